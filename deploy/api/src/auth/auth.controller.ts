import { Body, Controller, HttpCode, Post, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from "@nestjs/swagger";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { AuthRateLimitGuard } from "../common/rate-limit.guard.ts";
import { AuthGuard } from "./auth.guard.ts";
import { AuthService } from "./auth.service.ts";
import { AppleAuthDto, AuthResponse, GoogleAuthDto, LoginDto, RefreshDto, SignupDto } from "./dto/auth.dto.ts";

@ApiTags("auth")
@ApiTooManyRequestsResponse({ description: "Rate limited per IP and route: {error, code:'rate_limited'}" })
@UseGuards(AuthRateLimitGuard)
@Controller("auth")
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post("signup")
  @ApiCreatedResponse({ type: AuthResponse })
  signup(@Body() body: SignupDto): Promise<AuthResponse> {
    return this.auth.signup(body.email, body.password, body.name);
  }

  @Post("login")
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  login(@Body() body: LoginDto): Promise<AuthResponse> {
    return this.auth.login(body.email, body.password);
  }

  @Post("google")
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  google(@Body() body: GoogleAuthDto): Promise<AuthResponse> {
    return this.auth.google(body.idToken);
  }

  @Post("apple")
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  apple(@Body() body: AppleAuthDto): Promise<AuthResponse> {
    return this.auth.apple(body.idToken, body.nonce, body.name);
  }

  @Post("refresh")
  @HttpCode(200)
  @ApiOkResponse({ type: AuthResponse })
  refresh(@Body() body: RefreshDto): Promise<AuthResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post("logout")
  @HttpCode(204)
  @ApiBearerAuth()
  @UseGuards(AuthGuard)
  async logout(@CurrentUser() user: AuthUser, @Body() body: RefreshDto): Promise<void> {
    await this.auth.logout(user.id, body.refreshToken);
  }
}
