/**
 * The Manager's sleep routes (DEPLOY.md "Sleep and wake"):
 *   POST /api/instances/:userId/sleep         -> sleeps now (whatever its activity); 503 unless running
 *   POST /api/instances/:userId/wake          -> starts a sleeping instance; answers at once (phase pending)
 *   PUT  /api/instances/:userId/sleep-policy  {idleStopAfter?, sleepWithWhatsApp?} -> its own settings
 * Every other request for a sleeping instance wakes it by itself (SleepController.ensureAwake).
 */
import { assertUserId, checkSleepPolicy, notFound, type InstanceRuntime, type SleepPolicy } from "@clawbox/shared";
import type { FastifyInstance } from "fastify";
import type { SleepController } from "../gateway/sleep/controller.ts";

export function registerSleepRoutes(app: FastifyInstance, sleep: SleepController, runtime: InstanceRuntime): void {
  // The error answers and the :userId rule are added to every route by route-docs.ts.
  const common = { tags: ["instances"], security: [{ bearerAuth: [] }] };
  const ok = { response: { 200: { $ref: "InstanceStatus#" } } };
  const found = <T>(userId: string, v: T | null): T => {
    if (!v) throw notFound(`No instance for user ${userId}`);
    return v;
  };

  app.post<{ Params: { userId: string } }>(
    "/api/instances/:userId/sleep",
    { schema: { ...common, ...ok, summary: "Put the assistant to sleep now: its processes stop, its data and channels stay; any request, a Telegram DM or a due cron job wakes it" } },
    async (req) => {
      assertUserId(req.params.userId);
      return found(req.params.userId, await sleep.sleepNow(req.params.userId));
    },
  );

  app.post<{ Params: { userId: string } }>(
    "/api/instances/:userId/wake",
    { schema: { ...common, ...ok, summary: "Wake a sleeping assistant (answers at once; poll its status for running)" } },
    async (req) => {
      assertUserId(req.params.userId);
      return found(req.params.userId, await sleep.wake(req.params.userId, "request"));
    },
  );

  app.put<{ Params: { userId: string }; Body: SleepPolicy }>(
    "/api/instances/:userId/sleep-policy",
    {
      schema: {
        ...common,
        ...ok,
        summary: "The assistant's own sleep settings: idle time before it sleeps (0 = never, null = the Manager's default), and whether it may sleep with WhatsApp linked",
        body: { $ref: "SleepPolicy#" },
      },
    },
    async (req) => {
      assertUserId(req.params.userId);
      return found(req.params.userId, await runtime.setSleepPolicy(req.params.userId, checkSleepPolicy(req.body)));
    },
  );
}
