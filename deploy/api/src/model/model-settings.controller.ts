import { Body, Controller, Delete, Get, HttpCode, Put, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiTags } from "@nestjs/swagger";
import { type ModelSettings, ModelSettingsSchema, type ModelView, ModelViewSchema, modelView } from "@clawbox/shared";
import { AuthGuard } from "../auth/auth.guard.ts";
import { ContractPipe, openApiSchema } from "../common/contract.pipe.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { InstancesService } from "../instances/instances.service.ts";
import { ModelSettingsService } from "./model-settings.service.ts";

/**
 * Settings > Assistant's model. A change is stored (key encrypted) and then applied to the
 * user's assistant, which restarts with it and keeps its data. Applying is idempotent, so a
 * PUT that failed at the Manager is simply retried.
 */
@ApiTags("model")
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller("users/me/model")
export class ModelSettingsController {
  constructor(
    private readonly models: ModelSettingsService,
    private readonly instances: InstancesService,
  ) {}

  @Get()
  @ApiOkResponse({ schema: openApiSchema(ModelViewSchema), description: "404 model_not_configured when the assistant has no model" })
  view(@CurrentUser() user: AuthUser): Promise<ModelView> {
    return this.models.view(user.id);
  }

  @Put()
  @ApiBody({ schema: openApiSchema(ModelSettingsSchema) })
  @ApiOkResponse({ schema: openApiSchema(ModelViewSchema) })
  async set(@CurrentUser() user: AuthUser, @Body(new ContractPipe(ModelSettingsSchema)) body: ModelSettings): Promise<ModelView> {
    const saved = await this.models.set(user.id, body);
    await this.instances.applyModel(user.id);
    return modelView(saved, "user");
  }

  @Delete()
  @HttpCode(204)
  async clear(@CurrentUser() user: AuthUser): Promise<void> {
    await this.models.clear(user.id);
    await this.instances.applyModel(user.id);
  }
}
