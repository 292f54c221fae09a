import { Controller, Delete, Get, HttpCode, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiTags } from "@nestjs/swagger";
import { AuthGuard } from "../auth/auth.guard.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { UsersService, type ProfileView } from "./users.service.ts";

@ApiTags("users")
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller("users")
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get("me")
  me(@CurrentUser() user: AuthUser): Promise<ProfileView> {
    return this.users.me(user.id);
  }

  @Delete("me")
  @HttpCode(204)
  async deleteMe(@CurrentUser() user: AuthUser): Promise<void> {
    await this.users.deleteAccount(user.id);
  }
}
