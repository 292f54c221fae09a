import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from "@nestjs/swagger";
import {
  type InstanceDeleted,
  InstanceDeletedSchema,
  type InstanceDeleteQuery,
  InstanceDeleteQuerySchema,
  type InstanceView,
  InstanceViewSchema,
  type PairingApprove,
  PairingApproveSchema,
  type PairingListQuery,
  PairingListQuerySchema,
  type RpcCall,
  type SleepSettings,
  SleepSettingsSchema,
  RpcCallSchema,
  type TelegramSetup,
  TelegramSetupSchema,
  type TelegramStatusQuery,
  TelegramStatusQuerySchema,
  type VncTicket,
  VncTicketSchema,
  type WhatsappQr,
  WhatsappQrSchema,
  type WhatsappWait,
  WhatsappWaitSchema,
} from "@clawbox/shared";
import { AuthGuard } from "../auth/auth.guard.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { CreateInstanceDto } from "./dto/instances.dto.ts";
import { InstancesService } from "./instances.service.ts";
import { ApiContractBody, ApiContractQuery, ContractPipe, openApiSchema } from "../common/contract.pipe.ts";

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
  @ApiContractQuery(InstanceDeleteQuerySchema)
  @ApiOkResponse({ schema: openApiSchema(InstanceDeletedSchema) })
  delete(@CurrentUser() user: AuthUser, @Param("id") id: string, @Query(new ContractPipe(InstanceDeleteQuerySchema, "query")) q: InstanceDeleteQuery): Promise<InstanceDeleted> {
    return this.instances.delete(user.id, id, q.preservePvc !== "false");
  }

  @Post(":id/restart")
  @HttpCode(200)
  @ApiOkResponse({ ...instanceViewDoc, description: "Restarts the assistant; the instance keeps its id, data and channels" })
  restart(@CurrentUser() user: AuthUser, @Param("id") id: string): Promise<InstanceView> {
    return this.instances.restart(user.id, id);
  }

  @Put(":id/sleep")
  @ApiContractBody(SleepSettingsSchema)
  @ApiOkResponse({ ...instanceViewDoc, description: "Whether the assistant may sleep with WhatsApp linked (the Manager's sleep policy); any request wakes a sleeping assistant" })
  sleepSettings(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(SleepSettingsSchema)) body: SleepSettings): Promise<InstanceView> {
    return this.instances.setSleepSettings(user.id, id, body);
  }

  // The gateway routes take the contract's schemas (@clawbox/shared), the same the Manager's
  // routes are validated with; the Manager's answers pass through.
  @Post(":id/telegram/setup")
  @HttpCode(200)
  @ApiContractBody(TelegramSetupSchema)
  telegramSetup(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(TelegramSetupSchema)) body: TelegramSetup) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/telegram/setup", body });
  }

  @Get(":id/telegram/status")
  @ApiContractQuery(TelegramStatusQuerySchema)
  telegramStatus(@CurrentUser() user: AuthUser, @Param("id") id: string, @Query(new ContractPipe(TelegramStatusQuerySchema, "query")) q: TelegramStatusQuery) {
    return this.instances.passThrough(user.id, id, { method: "GET", path: "/telegram/status", query: { probe: q.probe } });
  }

  @Post(":id/telegram/logout")
  @HttpCode(200)
  telegramLogout(@CurrentUser() user: AuthUser, @Param("id") id: string) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/telegram/logout", body: {} });
  }

  @Get(":id/pairing/list")
  @ApiContractQuery(PairingListQuerySchema)
  pairingList(@CurrentUser() user: AuthUser, @Param("id") id: string, @Query(new ContractPipe(PairingListQuerySchema, "query")) q: PairingListQuery) {
    return this.instances.passThrough(user.id, id, { method: "GET", path: "/pairing/list", query: { channel: q.channel, accountId: q.accountId } });
  }

  @Post(":id/pairing/approve")
  @HttpCode(200)
  @ApiContractBody(PairingApproveSchema)
  pairingApprove(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(PairingApproveSchema)) body: PairingApprove) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/pairing/approve", body });
  }

  @Post(":id/whatsapp/qr")
  @HttpCode(200)
  @ApiContractBody(WhatsappQrSchema)
  whatsappQr(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(WhatsappQrSchema)) body: WhatsappQr) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/whatsapp/qr", body, timeoutMs: (body.timeoutMs ?? 30_000) + 60_000 });
  }

  @Post(":id/whatsapp/wait")
  @HttpCode(200)
  @ApiContractBody(WhatsappWaitSchema)
  whatsappWait(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(WhatsappWaitSchema)) body: WhatsappWait) {
    return this.instances.passThrough(user.id, id, { method: "POST", path: "/whatsapp/wait", body, timeoutMs: (body.timeoutMs ?? 120_000) + 10_000 });
  }

  @Get(":id/whatsapp/status")
  whatsappStatus(@CurrentUser() user: AuthUser, @Param("id") id: string) {
    return this.instances.passThrough(user.id, id, { method: "GET", path: "/whatsapp/status" });
  }

  @Post(":id/rpc")
  @HttpCode(200)
  @ApiContractBody(RpcCallSchema)
  rpc(@CurrentUser() user: AuthUser, @Param("id") id: string, @Body(new ContractPipe(RpcCallSchema)) body: RpcCall) {
    return this.instances.rpc(user.id, id, body.method, body.params, body.timeoutMs);
  }

  @Post(":id/vnc/ticket")
  @HttpCode(200)
  @ApiOkResponse({ schema: openApiSchema(VncTicketSchema) })
  vncTicket(@CurrentUser() user: AuthUser, @Param("id") id: string): Promise<VncTicket> {
    return this.instances.vncTicket(user.id, id);
  }
}
