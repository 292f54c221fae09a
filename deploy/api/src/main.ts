import { ConfigError, loadConfig } from "./config.ts";
import { startApi } from "./app.factory.ts";

/** `npm start` in deploy/api: builds, then runs this on port 4000 (PORT). */
try {
  const api = await startApi(loadConfig());
  const stop = async () => {
    await api.close();
    process.exit(0);
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (e) {
  if (e instanceof ConfigError) {
    console.error(`clawbox-api: configuration error: ${e.message}`);
    process.exit(2);
  }
  throw e;
}
