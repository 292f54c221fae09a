import { Inject, Injectable } from "@nestjs/common";
import { HttpError, type Logger, type Profile } from "@clawbox/shared";
import { LOGGER } from "../common/tokens.ts";
import { InstancesService } from "../instances/instances.service.ts";
import { OpenRouterKeysService } from "../openrouter/openrouter-keys.service.ts";
import { UsersRepository } from "./users.repository.ts";

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly instances: InstancesService,
    private readonly openrouter: OpenRouterKeysService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async me(userId: string): Promise<Profile> {
    const u = await this.users.findById(userId);
    if (!u) throw new HttpError(401, "Account no longer exists", { code: "invalid_token" });
    return {
      id: u.id,
      email: u.email,
      name: u.name,
      createdAt: u.createdAt.toISOString(),
      signInMethods: { password: !!u.passwordHash, google: !!u.googleSub, apple: !!u.appleSub },
    };
  }

  /**
   * Account deletion: instances go at the Manager with their data, the OpenRouter key is
   * disabled, then the user row (refresh tokens, subscription and key rows cascade). Each step
   * is safe to repeat, so a failed deletion can simply be retried.
   */
  async deleteAccount(userId: string): Promise<void> {
    await this.instances.purgeAll(userId);
    await this.openrouter.disable(userId, "account deleted");
    await this.users.delete(userId);
    this.logger.info({ userId }, "account deleted");
  }
}
