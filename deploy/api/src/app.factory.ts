import "reflect-metadata";
import type { Server } from "node:http";
import { NestFactory } from "@nestjs/core";
import { FastifyAdapter, type NestFastifyApplication } from "@nestjs/platform-fastify";
import { DocumentBuilder, SwaggerModule } from "@nestjs/swagger";
import { clientErrorHandler, createLogger, frameworkErrors, type Logger } from "@clawbox/shared";
import type { DestinationStream } from "pino";
import { AppModule } from "./app.module.ts";
import type { ApiConfig } from "./config.ts";
import { openDatabase, type DatabaseHandle } from "./db/database.ts";
import { ApiMetrics } from "./common/metrics.ts";
import { NestPinoLogger } from "./common/nest-logger.ts";
import { documentErrors } from "./common/openapi-errors.ts";
import { createValidationPipe } from "./common/validation.ts";
import { InstancesRepository } from "./instances/instances.repository.ts";
import { attachVncProxy } from "./instances/vnc.proxy.ts";
import { ManagerClient } from "./manager/manager.client.ts";

export interface RunningApi {
  app: NestFastifyApplication;
  url: string;
  database: DatabaseHandle;
  logger: Logger;
  close(): Promise<void>;
}

/**
 * Builds and starts the App API: database (+ migrations when asked), NestJS on fastify, the
 * one error shape, validation, OpenAPI, metrics, request logs and the VNC WebSocket proxy.
 * `logDestination` lets tests read every log line.
 */
export async function startApi(
  config: ApiConfig,
  opts: { logDestination?: DestinationStream; logLevel?: string; database?: DatabaseHandle } = {},
): Promise<RunningApi> {
  const logger = createLogger("clawbox-api", opts.logLevel ? { level: opts.logLevel } : {}, opts.logDestination);
  // A caller-supplied database (tests: several API configurations on one database) stays open.
  const ownsDatabase = !opts.database;
  const database = opts.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir }));
  if (config.migrateOnStart) await database.migrate();
  const metrics = new ApiMetrics();

  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    // 431 (HTTP parser), 414 and bad URL encodings (router) in the one error shape too.
    clientErrorHandler,
    frameworkErrors,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, db: database.db, logger, metrics }),
    adapter,
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  app.useGlobalPipes(createValidationPipe());
  app.enableCors({ origin: true, credentials: false });
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook("onResponse", (req, reply, done) => {
    const route = req.routeOptions.url ?? "unmatched";
    const seconds = reply.elapsedTime / 1000;
    metrics.httpDuration.observe({ method: req.method, route, status: String(reply.statusCode) }, seconds);
    // Route pattern, never the raw URL: query strings can carry VNC tickets.
    logger.info({ method: req.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "request");
    done();
  });

  if (config.swaggerEnabled) {
    const doc = documentErrors(SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle("ClawBox App API")
        .setDescription("Accounts, subscriptions and OpenClaw instances for the ClawBox app. Errors: {error, code, field?, rule?}.")
        .setVersion("1")
        .addBearerAuth()
        .build(),
    ));
    SwaggerModule.setup("docs", app, doc, { jsonDocumentUrl: "docs-json" });
  }

  await app.init();
  attachVncProxy(app.getHttpServer() as Server, {
    config,
    instances: app.get(InstancesRepository),
    manager: app.get(ManagerClient),
    logger,
  });
  await app.listen(config.port, config.host);
  const address = (app.getHttpServer() as Server).address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
  logger.info({ url, database: database.kind, swagger: config.swaggerEnabled ? `${url}/docs` : "off" }, "App API listening");

  let closed = false;
  return {
    app,
    url,
    database,
    logger,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (ownsDatabase) await database.close();
    },
  };
}
