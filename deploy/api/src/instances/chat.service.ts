import { Injectable } from "@nestjs/common";
import { type ChatHistory, formatSse, HttpError } from "@clawbox/shared";
import { ManagerClient } from "../manager/manager.client.ts";
import { ModelSettingsService } from "../model/model-settings.service.ts";
import { InstancesService } from "./instances.service.ts";

export interface OpenChat {
  /** The stream's bytes as they come, to write to the client unchanged. */
  events(signal: AbortSignal): AsyncIterable<Uint8Array | string>;
}

@Injectable()
export class ChatService {
  constructor(
    private readonly instances: InstancesService,
    private readonly models: ModelSettingsService,
    private readonly manager: ManagerClient,
  ) {}

  /**
   * Checks ownership, then whether the assistant has a model at all: without one the gateway
   * would try its built-in default and fail with a provider error, so the user is told plainly
   * (in the stream, like every other reason a reply does not come).
   */
  async open(ownerId: string, id: string, message: string): Promise<OpenChat> {
    const row = await this.instances.owned(ownerId, id);
    if (!(await this.models.effective(ownerId, row.managerUserId, false))) {
      return once(formatSse({ event: "error", data: { error: "Your assistant has no model yet. Choose one in Settings.", code: "model_not_configured" } }));
    }
    return {
      events: async function* (this: ChatService, signal: AbortSignal) {
        let res: Response;
        try {
          res = await this.manager.stream(row.managerUserId, "/chat", { message }, signal);
        } catch (e) {
          const err = e as HttpError;
          yield formatSse({ event: "error", data: { error: err.message, code: err.status === 503 ? "instance_not_running" : "chat_failed" } });
          return;
        }
        if (!res.body) return;
        for await (const chunk of res.body) yield chunk;
      }.bind(this),
    };
  }

  async history(ownerId: string, id: string): Promise<ChatHistory> {
    return this.instances.passThrough<ChatHistory>(ownerId, id, { method: "GET", path: "/chat/history" });
  }
}

function once(text: string): OpenChat {
  return {
    events: async function* () {
      yield text;
    },
  };
}
