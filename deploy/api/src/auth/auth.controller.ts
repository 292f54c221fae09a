import { Body, Controller, HttpCode, Post, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from "@nestjs/swagger";
import {
  type AppleAuth,
  AppleAuthSchema,
  type AuthSession,
  AuthSessionSchema,
  type GoogleAuth,
  GoogleAuthSchema,
  type Login,
  LoginSchema,
  type Refresh,
  RefreshSchema,
  type Signup,
  SignupSchema,
} from "@clawbox/shared";
import { ApiContractBody, ContractPipe, openApiSchema } from "../common/contract.pipe.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { AuthRateLimitGuard } from "../common/rate-limit.guard.ts";
import { AuthGuard } from "./auth.guard.ts";
import { AuthService } from "./auth.service.ts";

const session = { schema: openApiSchema(AuthSessionSchema) };
/** Emails are compared case-insensitively: stored and looked up trimmed and lower-case. */
const normalEmail = (email: string) => email.trim().toLowerCase();

/** Bodies and answers are the contract's (@clawbox/shared contract/account.ts). */
@ApiTags("auth")
@ApiTooManyRequestsResponse({ description: "Rate limited per IP and route: {error, code:'rate_limited'}" })
@UseGuards(AuthRateLimitGuard)
@Controller("auth")
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post("signup")
  @ApiContractBody(SignupSchema)
  @ApiCreatedResponse(session)
  signup(@Body(new ContractPipe(SignupSchema)) body: Signup): Promise<AuthSession> {
    return this.auth.signup(normalEmail(body.email), body.password, body.name);
  }

  @Post("login")
  @HttpCode(200)
  @ApiContractBody(LoginSchema)
  @ApiOkResponse(session)
  login(@Body(new ContractPipe(LoginSchema)) body: Login): Promise<AuthSession> {
    return this.auth.login(normalEmail(body.email), body.password);
  }

  @Post("google")
  @HttpCode(200)
  @ApiContractBody(GoogleAuthSchema)
  @ApiOkResponse(session)
  google(@Body(new ContractPipe(GoogleAuthSchema)) body: GoogleAuth): Promise<AuthSession> {
    return this.auth.google(body.idToken);
  }

  @Post("apple")
  @HttpCode(200)
  @ApiContractBody(AppleAuthSchema)
  @ApiOkResponse(session)
  apple(@Body(new ContractPipe(AppleAuthSchema)) body: AppleAuth): Promise<AuthSession> {
    return this.auth.apple(body.idToken, body.nonce, body.name);
  }

  @Post("refresh")
  @HttpCode(200)
  @ApiContractBody(RefreshSchema)
  @ApiOkResponse(session)
  refresh(@Body(new ContractPipe(RefreshSchema)) body: Refresh): Promise<AuthSession> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post("logout")
  @HttpCode(204)
  @ApiBearerAuth()
  @UseGuards(AuthGuard)
  @ApiContractBody(RefreshSchema)
  async logout(@CurrentUser() user: AuthUser, @Body(new ContractPipe(RefreshSchema)) body: Refresh): Promise<void> {
    await this.auth.logout(user.id, body.refreshToken);
  }
}
