import { ApiProperty, ApiPropertyOptional } from "@nestjs/swagger";
import { Transform } from "class-transformer";
import { IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from "class-validator";

const toBool = ({ value }: { value: unknown }) => (value === "true" ? true : value === "false" ? false : value);

/** POST /instances takes no input: the Manager userId and secrets are decided server-side. */
export class CreateInstanceDto {}

export class DeleteInstanceQuery {
  @ApiPropertyOptional({ description: "false also deletes the instance's data volume", default: true })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  preservePvc?: boolean;
}

export class TelegramStatusQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  probe?: boolean;
}

export class PairingListQuery {
  @ApiPropertyOptional({ example: "telegram", enum: ["telegram", "whatsapp"] })
  @IsOptional()
  @IsIn(["telegram", "whatsapp"])
  channel?: string;
}

export class PairingApproveDto {
  @ApiProperty({ example: "telegram", enum: ["telegram", "whatsapp"] })
  @IsIn(["telegram", "whatsapp"])
  channel: string;

  @ApiProperty({ example: "ABC3KLM9" })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{4,64}$/)
  code: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  notify?: boolean;
}

export class WhatsappQrDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  force?: boolean;
}

export class WhatsappWaitDto {
  @ApiPropertyOptional({ default: 120000, maximum: 300000 })
  @IsOptional()
  @IsInt()
  @Min(1000)
  @Max(300_000)
  timeoutMs?: number;
}

export class RpcDto {
  @ApiProperty({ example: "status", description: "One of the allowed read methods (see USER_RPC_ALLOWLIST)" })
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,100}$/)
  method: string;

  @ApiPropertyOptional({ type: Object })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ maximum: 120000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(120_000)
  timeoutMs?: number;
}

export class VncTicketView {
  @ApiProperty({ description: "Short-lived (60 s) credential for this instance's VNC socket" }) ticket: string;
  @ApiProperty({ example: "/instances/<id>/vnc?ticket=..." }) path: string;
  @ApiProperty({ format: "date-time" }) expiresAt: string;
}
