/** The guide's instance endpoints; thin: validate, call the runtime, shape the answer. */
import { assertUserId, checkModelSettings, checkSleepPolicy, type CreateInstanceInput, type InstanceStatus, type ModelSettings, notFound, type SleepPolicy } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import type { ManagerContext } from "../context.ts";
import { DeleteInstanceQuerySchema } from "@clawbox/shared/contract/index";

const tags = ["instances"];
const serializedLists = new WeakMap<InstanceStatus[], string>();
const security = [{ bearerAuth: [] }];

export async function registerInstanceRoutes(app: FastifyInstance, ctx: ManagerContext): Promise<void> {
  const { runtime, metrics } = ctx;

  app.post<{ Body: CreateInstanceInput & { sleepPolicy?: SleepPolicy } }>(
    "/api/instances",
    {
      schema: {
        tags,
        security,
        summary: "Create an instance, or update an existing one (idempotent; data is kept)",
        body: { $ref: "CreateInstance#" },
        response: {
          200: { $ref: "InstanceStatus#" },
          201: { $ref: "InstanceStatus#" },
        },
      },
    },
    async (request, reply) => {
      assertUserId(request.body.userId);
      const log = request.log.child({ userId: request.body.userId });
      const { sleepPolicy, ...input } = request.body;
      if (sleepPolicy) checkSleepPolicy(sleepPolicy, "sleepPolicy.");
      // A new (or sleeping) instance needs memory: idle ones may sleep first. Not waited for.
      void ctx.sleep?.makeRoom(input.userId);
      let { created, status } = await runtime.create(input);
      if (sleepPolicy) status = (await runtime.setSleepPolicy(input.userId, sleepPolicy)) ?? status;
      if (created) metrics.createStarted(request.body.userId);
      log.info({ created, phase: status.phase }, created ? "instance created" : "instance updated");
      return reply.code(created ? 201 : 200).send(status);
    },
  );

  app.get(
    "/api/instances",
    {
      schema: {
        tags,
        security,
        summary: "All instances with their status (from the watch cache)",
        response: {
          200: { type: "object", required: ["instances"], properties: { instances: { type: "array", items: { $ref: "InstanceStatus#" } } } },
        },
      },
    },
    async (_request, reply) => {
      const instances = await runtime.list();
      // The Kubernetes runtime returns the same array until something changes: serialize it once
      // (1,000 instances are ~400 KB of JSON), not on every poll.
      let body = serializedLists.get(instances);
      if (body === undefined) {
        // Runtimes without change notifications (local) stop the create-to-running clock when polled.
        for (const s of instances) metrics.statusSeen(s.userId, s);
        body = reply.serialize({ instances }) as string;
        serializedLists.set(instances, body);
      }
      return reply.type("application/json; charset=utf-8").send(body);
    },
  );

  app.get<{ Params: { userId: string } }>(
    "/api/instances/:userId",
    {
      schema: {
        tags,
        security,
        summary: "One instance's status: phase pending -> starting -> running, or error with message",
        response: { 200: { $ref: "InstanceStatus#" } },
      },
    },
    async (request) => {
      const { userId } = request.params;
      assertUserId(userId);
      const status = await runtime.get(userId);
      metrics.statusSeen(userId, status);
      if (!status) throw notFound(`No instance for user ${userId}`);
      return status;
    },
  );

  app.put<{ Params: { userId: string }; Body: ModelSettings }>(
    "/api/instances/:userId/model",
    {
      schema: {
        tags,
        security,
        summary: "Change the assistant's model: the instance restarts with it and keeps all its data and channels",
        body: { $ref: "ModelSettings#" },
        response: { 200: { $ref: "InstanceStatus#" } },
      },
    },
    async (request) => {
      const { userId } = request.params;
      assertUserId(userId);
      const status = await runtime.setModel(userId, checkModelSettings(request.body));
      if (!status) throw notFound(`No instance for user ${userId}`);
      request.log.info({ provider: request.body.provider }, "instance model set");
      return status;
    },
  );

  app.post<{ Params: { userId: string } }>(
    "/api/instances/:userId/restart",
    {
      schema: {
        tags,
        security,
        summary: "Restart the assistant, keeping its data and channels (Kubernetes: a rollout restart; local: a process restart)",
        response: { 200: { $ref: "InstanceStatus#" } },
      },
    },
    async (request) => {
      const { userId } = request.params;
      assertUserId(userId);
      const status = await runtime.restart(userId);
      if (!status) throw notFound(`No instance for user ${userId}`);
      request.log.info("instance restart requested");
      return status;
    },
  );

  app.delete<{ Params: { userId: string } }>(
    "/api/instances/:userId/model",
    {
      schema: {
        tags,
        security,
        summary: "Remove the assistant's model (it answers again once one is set)",
        response: { 200: { $ref: "InstanceStatus#" } },
      },
    },
    async (request) => {
      const { userId } = request.params;
      assertUserId(userId);
      const status = await runtime.setModel(userId, null);
      if (!status) throw notFound(`No instance for user ${userId}`);
      return status;
    },
  );

  app.delete<{ Params: { userId: string }; Querystring: { preservePvc: boolean } }>(
    "/api/instances/:userId",
    {
      schema: {
        tags,
        security,
        summary: "Delete an instance; keeps its data volume unless preservePvc=false",
        querystring: DeleteInstanceQuerySchema,
        response: { 200: { $ref: "DeleteInstanceResult#" } },
      },
    },
    async (request) => {
      const { userId } = request.params;
      assertUserId(userId);
      const result = await runtime.delete(userId, { preservePvc: request.query.preservePvc !== false });
      if (!result) throw notFound(`No instance for user ${userId}`);
      request.log.child({ userId }).info({ pvcPreserved: result.pvcPreserved }, "instance deleted");
      return result;
    },
  );
}
