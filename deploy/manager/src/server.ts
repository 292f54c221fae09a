/**
 * buildServer(): the Manager's HTTP app, without listening, so tests drive it with app.inject.
 * Registers, in order: shared schemas, error handling, auth, OpenAPI (/openapi.json, /docs),
 * /health, /metrics, instance routes and the gateway routes (./routes/gateway.ts).
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import websocket from "@fastify/websocket";
import { CONTRACT_SCHEMAS, ErrorSchema } from "@clawbox/shared/contract/index";
import { Ajv } from "ajv";
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import { clientErrorHandler, frameworkErrors } from "@clawbox/shared";
import type { ManagerContext } from "./context.ts";
import { registerAuth } from "./auth.ts";
import { registerErrorHandling } from "./errors.ts";
import { registerGatewayRoutes } from "./routes/gateway.ts";
import { registerInstanceRoutes } from "./routes/instances.ts";
import { registerRouteDocs } from "./route-docs.ts";
import { registerActivityHook } from "./gateway/sleep/activity.ts";
import { SleepController } from "./gateway/sleep/controller.ts";
import { registerSleepRoutes } from "./routes/sleep.ts";

/**
 * Bodies are validated strictly (no type coercion: {"userId": 42} is a 400, not "42"; unknown
 * properties are refused, not silently dropped). Query strings and path params are text, so
 * those validators coerce ("false" -> false).
 */
function validatorCompiler() {
  const common = { allErrors: false, strict: false, useDefaults: true, removeAdditional: false } as const;
  const body = new Ajv({ ...common, coerceTypes: false });
  const text = new Ajv({ ...common, coerceTypes: "array" });
  for (const ajv of [body, text]) {
    ajv.addSchema(ErrorSchema);
    for (const s of CONTRACT_SCHEMAS) ajv.addSchema(s);
  }
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === "body" ? body : text).compile(schema);
}

export async function buildServer(given: Omit<ManagerContext, "sleep"> & { sleep?: SleepController }): Promise<FastifyInstance> {
  const sleep = given.sleep ?? new SleepController({ config: given.config, runtime: given.runtime, logger: given.logger });
  const ctx: ManagerContext = { ...given, sleep };
  const app: FastifyInstance = Fastify({
    // The one pino logger (createLogger): JSON lines, secrets and Authorization redacted.
    loggerInstance: ctx.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // Refusals below the error handler (431 from the HTTP parser, 414/400 from the router) in the
    // one error shape too.
    clientErrorHandler,
    frameworkErrors,
    // Every log line of a request about one instance carries its userId (incoming/completed lines too).
    childLoggerFactory(logger, bindings, opts, rawReq) {
      const m = /^\/api\/instances\/([^/?]+)/.exec(rawReq.url ?? "");
      let userId: string | undefined;
      try {
        userId = m ? decodeURIComponent(m[1]!) : undefined;
      } catch {
        userId = undefined;
      }
      return logger.child(userId ? { ...bindings, userId } : bindings, opts);
    },
  });
  // POST /api/instances names its user in the body: from there on, its lines carry the userId too.
  app.addHook("preHandler", async (request, reply) => {
    const userId = (request.body as { userId?: unknown } | undefined)?.userId;
    if (typeof userId === "string" && !(request.params as { userId?: string })?.userId) {
      request.log = request.log.child({ userId });
      reply.log = request.log;
    }
  });
  app.setValidatorCompiler(validatorCompiler());
  app.addSchema(ErrorSchema);
  for (const s of CONTRACT_SCHEMAS) app.addSchema(s);
  registerErrorHandling(app);
  registerAuth(app, ctx.config.apiKey);
  registerRouteDocs(app);

  await app.register(swagger, {
    // Components named by the contract's $id (RpcCall, ChannelStatus, ...), not def-<n>.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
    openapi: {
      info: { title: "ClawBox Manager API", version: "0.1.0", description: "Per-user OpenClaw instances (internal, ClusterIP :3000)" },
      components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(websocket);

  app.get("/openapi.json", { config: { public: true }, schema: { hide: true } }, async () => app.swagger());

  app.get(
    "/health",
    {
      config: { public: true },
      schema: {
        tags: ["ops"],
        summary: "Liveness (no auth)",
        response: { 200: { type: "object", required: ["ok"], properties: { ok: { type: "boolean" } } } },
      },
      logLevel: "warn",
    },
    async () => ({ ok: true }),
  );

  app.get(
    "/metrics",
    { config: { public: true }, schema: { tags: ["ops"], summary: "Prometheus metrics (no auth)" }, logLevel: "warn" },
    async (_request, reply) => reply.type(ctx.metrics.registry.contentType).send(await ctx.metrics.registry.metrics()),
  );

  registerActivityHook(app, sleep.activity);
  await registerInstanceRoutes(app, ctx);
  await registerGatewayRoutes(app, ctx);
  registerSleepRoutes(app, sleep, ctx.runtime);
  app.decorate("sleep", sleep);
  sleep.start();
  app.addHook("onClose", async () => sleep.stop());
  return app;
}

declare module "fastify" {
  interface FastifyInstance {
    sleep: SleepController;
  }
}
