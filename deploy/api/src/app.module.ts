import { Module, type DynamicModule } from "@nestjs/common";
import { APP_FILTER } from "@nestjs/core";
import type { Logger } from "@clawbox/shared";
import type { ApiConfig } from "./config.ts";
import type { Database } from "./db/database.ts";
import { AuthController } from "./auth/auth.controller.ts";
import { AuthGuard } from "./auth/auth.guard.ts";
import { AuthService } from "./auth/auth.service.ts";
import { LoginThrottle } from "./auth/login-throttle.ts";
import { IdTokenVerifier } from "./auth/id-token.verifier.ts";
import { RefreshTokensRepository } from "./auth/refresh-tokens.repository.ts";
import { TokenService } from "./auth/token.service.ts";
import { ErrorFilter } from "./common/error.filter.ts";
import { ApiMetrics } from "./common/metrics.ts";
import { AuthRateLimitGuard } from "./common/rate-limit.guard.ts";
import { CONFIG, DATABASE, LOGGER } from "./common/tokens.ts";
import { HealthController } from "./health/health.controller.ts";
import { ChatController } from "./instances/chat.controller.ts";
import { ChatService } from "./instances/chat.service.ts";
import { InstancesController } from "./instances/instances.controller.ts";
import { InstancesRepository } from "./instances/instances.repository.ts";
import { InstancesService } from "./instances/instances.service.ts";
import { ManagerClient } from "./manager/manager.client.ts";
import { ModelSettingsController } from "./model/model-settings.controller.ts";
import { ModelSettingsRepository } from "./model/model-settings.repository.ts";
import { ModelSettingsService } from "./model/model-settings.service.ts";
import { OpenRouterClient } from "./openrouter/openrouter.client.ts";
import { OpenRouterKeysRepository } from "./openrouter/openrouter-keys.repository.ts";
import { OpenRouterKeysService } from "./openrouter/openrouter-keys.service.ts";
import { RevenueCatClient } from "./subscriptions/revenuecat.client.ts";
import { SubscriptionsController } from "./subscriptions/subscriptions.controller.ts";
import { SubscriptionsRepository } from "./subscriptions/subscriptions.repository.ts";
import { SubscriptionsService } from "./subscriptions/subscriptions.service.ts";
import { UsersController } from "./users/users.controller.ts";
import { UsersRepository } from "./users/users.repository.ts";
import { UsersService } from "./users/users.service.ts";

/** Root module: config, database and logger come in from outside (main.ts or a test). */
@Module({})
export class AppModule {
  static forRoot(deps: { config: ApiConfig; db: Database; logger: Logger; metrics: ApiMetrics }): DynamicModule {
    return {
      module: AppModule,
      controllers: [AuthController, UsersController, ModelSettingsController, InstancesController, ChatController, SubscriptionsController, HealthController],
      providers: [
        { provide: CONFIG, useValue: deps.config },
        { provide: DATABASE, useValue: deps.db },
        { provide: LOGGER, useValue: deps.logger },
        { provide: ApiMetrics, useValue: deps.metrics },
        { provide: APP_FILTER, useClass: ErrorFilter },
        AuthRateLimitGuard,
        AuthGuard,
        TokenService,
        RefreshTokensRepository,
        IdTokenVerifier,
        AuthService,
        LoginThrottle,
        UsersRepository,
        UsersService,
        ManagerClient,
        InstancesRepository,
        InstancesService,
        RevenueCatClient,
        SubscriptionsRepository,
        SubscriptionsService,
        OpenRouterClient,
        OpenRouterKeysRepository,
        OpenRouterKeysService,
        ModelSettingsRepository,
        ModelSettingsService,
        ChatService,
      ],
    };
  }
}
