import { Controller, Delete, Get, HttpCode, UseGuards } from "@nestjs/common";
import { ApiBearerAuth, ApiOkResponse, ApiTags } from "@nestjs/swagger";
import { type Profile, ProfileSchema } from "@clawbox/shared";
import { openApiSchema } from "../common/contract.pipe.ts";
import { AuthGuard } from "../auth/auth.guard.ts";
import { CurrentUser, type AuthUser } from "../common/current-user.ts";
import { UsersService } from "./users.service.ts";

@ApiTags("users")
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller("users")
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get("me")
  @ApiOkResponse({ schema: openApiSchema(ProfileSchema) })
  me(@CurrentUser() user: AuthUser): Promise<Profile> {
    return this.users.me(user.id);
  }

  @Delete("me")
  @HttpCode(204)
  async deleteMe(@CurrentUser() user: AuthUser): Promise<void> {
    await this.users.deleteAccount(user.id);
  }
}
