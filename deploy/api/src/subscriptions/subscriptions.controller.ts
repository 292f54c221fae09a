import { Body, Controller, Get, Headers, HttpCode, Inject, Post, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from "@nestjs/swagger";
import { type Subscription, SubscriptionSchema } from "@clawbox/shared";
import { openApiSchema } from "../common/contract.pipe.ts";
import { safeEqual, unauthorized } from "@clawbox/shared";
import { IsObject, IsOptional, IsString } from "class-validator";
import type { ApiConfig } from "../config.ts";
import { AuthGuard } from "../auth/auth.guard.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { CONFIG } from "../common/tokens.ts";
import { SubscriptionsService, type RevenueCatEvent } from "./subscriptions.service.ts";

// The RevenueCat webhook is RevenueCat's shape (a third party's), not one of ClawBox's boundaries.
/** Documentation only: RevenueCat sends many more fields, read defensively by the service. */
class RevenueCatEventDto {
  @ApiPropertyOptional() type?: string;
  @ApiPropertyOptional() app_user_id?: string;
  @ApiPropertyOptional({ type: [String] }) entitlement_ids?: string[];
  @ApiPropertyOptional() expiration_at_ms?: number;
}

class RevenueCatWebhookDto {
  @ApiPropertyOptional() @IsOptional() @IsString() api_version?: string;
  @ApiProperty({ type: RevenueCatEventDto })
  @IsObject()
  event: Record<string, unknown>;
}

@ApiTags("subscription")
@Controller()
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    @Inject(CONFIG) private readonly config: ApiConfig,
  ) {}

  @Get("subscription")
  @ApiBearerAuth()
  @UseGuards(AuthGuard)
  @ApiOkResponse({ schema: openApiSchema(SubscriptionSchema) })
  status(@CurrentUser() user: AuthUser): Promise<Subscription> {
    return this.subscriptions.status(user.id);
  }

  /** RevenueCat webhook; its Authorization header must equal REVENUECAT_WEBHOOK_SECRET. */
  @Post("webhooks/revenuecat")
  @HttpCode(200)
  webhook(@Headers("authorization") authorization: string | undefined, @Body() body: RevenueCatWebhookDto) {
    const secret = this.config.revenuecatWebhookSecret;
    const given = (authorization ?? "").replace(/^Bearer\s+/i, "");
    if (!secret || !safeEqual(given, secret.replace(/^Bearer\s+/i, ""))) throw unauthorized();
    return this.subscriptions.handleWebhook(body.event as RevenueCatEvent);
  }
}
