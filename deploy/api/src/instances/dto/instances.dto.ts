import { ApiProperty, ApiPropertyOptional } from "@nestjs/swagger";
import { Transform } from "class-transformer";
import { IsBoolean, IsOptional } from "class-validator";

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

export class VncTicketView {
  @ApiProperty({ description: "Short-lived (60 s) credential for this instance's VNC socket" }) ticket: string;
  @ApiProperty({ example: "/instances/<id>/vnc?ticket=..." }) path: string;
  @ApiProperty({ format: "date-time" }) expiresAt: string;
}
