import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiBody, ApiCreatedResponse, ApiOkResponse, ApiTags } from "@nestjs/swagger";
import { type InstanceView, InstanceViewSchema, type SleepSettings, SleepSettingsSchema, type TelegramSetup, TelegramSetupSchema } from "@clawbox/shared";
import { AuthGuard } from "../auth/auth.guard.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import {
  CreateInstanceDto,
  DeleteInstanceQuery,
  PairingApproveDto,
  PairingListQuery,
  RpcDto,
  TelegramStatusQuery,
  VncTicketView,
  WhatsappQrDto,
  WhatsappWaitDto,
} from "./dto/instances.dto.ts";
import { InstancesService } from "./instances.service.ts";
import { ContractPipe, openApiSchema } from "../common/contract.pipe.ts";

const instanceViewDoc = { schema: openApiSchema(InstanceViewSchema) };

/** The guide's App API instance routes; each maps to the Manager route of the same name. */
@ApiTags("instances")
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller("instances")
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post()
  @ApiCreatedResponse(instanceViewDoc)
  create(@CurrentUser() user: AuthUser, @Body() _body: CreateInstanceDto): Promise<InstanceView> {
    return this.instances.create(user.id);
  }

  @Get()
  @ApiOkResponse({ schema: { type: "array", items: openApiSchema(InstanceViewSchema) } })
  list(@CurrentUser() user: AuthUser): Promise<InstanceView[]> {
    return this.instances.list(user.id);
  }

  @Get(":id")
  @ApiOkResponse(instanceViewDoc)
  get(@CurrentUser() user: AuthUser, @Param("id") id: string): Promise<InstanceView> {
    return this.instances.get(user.id, id);
  }

  @Delete(":id")
  delete(@CurrentUser() user: AuthUser, @Param("id") id: string, @Query() q: DeleteInstanceQuery) {
    return this.instances.delete(user.id, id, q.preservePvc ?? true);
  }

  @Post(":id/restart")
  @HttpCode(200)
  @ApiOkResponse({ ...instanceViewDoc, description: "Restarts the assistant; the instance keeps its id, data and channels" })
  restart(@CurrentUser() user: AuthUser, @Param("id") id: string): Promise<InstanceView> {
    return this.instances.restart(user.id, id);
  }

  @Put(":id/sleep")
  @ApiBody({ schema: openApiSchema(SleepSettingsSchema) })
  @ApiOkResponse({ ...instanceViewDoc, description: "Whether the assistant may sleep with WhatsApp linked (the Manager's sleep policy); any request wakes a sleeping assistant" })
  sleepSettings(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(SleepSettingsSchema)) body: SleepSettings): Promise<InstanceView> {
    return this.instances.setSleepSettings(user.id, id, body);
  }

  @Post(":id/telegram/setup")
  @HttpCode(200)
  @ApiBody({ schema: openApiSchema(TelegramSetupSchema) })
  telegramSetup(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(TelegramSetupSchema)) body: TelegramSetup) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/telegram/setup", body });
  }

  @Get(":id/telegram/status")
  telegramStatus(@CurrentUser() user: AuthUser, @Param("id") id: string, @Query() q: TelegramStatusQuery) {
    return this.instances.passThrough(user.id, id, {
      method: "GET",
      path: "/telegram/status",
      query: { probe: q.probe === undefined ? undefined : String(q.probe) },
    });
  }

  @Post(":id/telegram/logout")
  @HttpCode(200)
  telegramLogout(@CurrentUser() user: AuthUser, @Param("id") id: string) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/telegram/logout", body: {} });
  }

  @Get(":id/pairing/list")
  pairingList(@CurrentUser() user: AuthUser, @Param("id") id: string, @Query() q: PairingListQuery) {
    return this.instances.passThrough(user.id, id, { method: "GET", path: "/pairing/list", query: { channel: q.channel } });
  }

  @Post(":id/pairing/approve")
  @HttpCode(200)
  pairingApprove(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body() body: PairingApproveDto) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/pairing/approve", body });
  }

  @Post(":id/whatsapp/qr")
  @HttpCode(200)
  whatsappQr(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body() body: WhatsappQrDto) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/whatsapp/qr", body, timeoutMs: 90_000 });
  }

  @Post(":id/whatsapp/wait")
  @HttpCode(200)
  whatsappWait(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body() body: WhatsappWaitDto) {
    return this.instances.passThrough(user.id, id, {
      method: "POST",
      path: "/whatsapp/wait",
      body,
      timeoutMs: (body.timeoutMs ?? 120_000) + 10_000,
    });
  }

  @Get(":id/whatsapp/status")
  whatsappStatus(@CurrentUser() user: AuthUser, @Param("id") id: string) {
    return this.instances.passThrough(user.id, id, { method: "GET", path: "/whatsapp/status" });
  }

  @Post(":id/rpc")
  @HttpCode(200)
  rpc(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body() body: RpcDto) {
    return this.instances.rpc(user.id, id, body.method, body.params, body.timeoutMs);
  }

  @Post(":id/vnc/ticket")
  @HttpCode(200)
  @ApiOkResponse({ type: VncTicketView })
  vncTicket(@CurrentUser() user: AuthUser, @Param("id") id: string): Promise<VncTicketView> {
    return this.instances.vncTicket(user.id, id);
  }
}
