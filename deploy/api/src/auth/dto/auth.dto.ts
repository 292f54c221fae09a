import { ApiProperty, ApiPropertyOptional } from "@nestjs/swagger";
import { Transform } from "class-transformer";
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from "class-validator";

const trimLower = ({ value }: { value: unknown }) => (typeof value === "string" ? value.trim().toLowerCase() : value);

export class SignupDto {
  @ApiProperty({ example: "alice@example.com" })
  @Transform(trimLower)
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ minLength: 8, maxLength: 128 })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class LoginDto {
  @ApiProperty({ example: "alice@example.com" })
  @Transform(trimLower)
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  password: string;
}

export class GoogleAuthDto {
  @ApiProperty({ description: "Google ID token (JWT) from Google Sign-In" })
  @IsString()
  @MinLength(10)
  @MaxLength(8192)
  idToken: string;
}

export class AppleAuthDto {
  @ApiProperty({ description: "Apple identity token (JWT) from Sign in with Apple" })
  @IsString()
  @MinLength(10)
  @MaxLength(8192)
  idToken: string;

  @ApiProperty({ description: "The raw nonce the app generated; the token carries its sha256 (hex)" })
  @IsString()
  @MinLength(8)
  @MaxLength(512)
  nonce: string;

  @ApiPropertyOptional({ description: "Apple sends the name to the app only on the first sign-in", maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  name?: string;
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @MinLength(10)
  @MaxLength(512)
  refreshToken: string;
}

export class UserView {
  @ApiProperty({ format: "uuid" }) id: string;
  @ApiProperty({ nullable: true, type: String }) email: string | null;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
}

export class AuthResponse {
  @ApiProperty({ type: UserView }) user: UserView;
  @ApiProperty({ description: "HS256 JWT, 15 minutes" }) accessToken: string;
  @ApiProperty({ description: "Opaque, 7 days, single use (rotates)" }) refreshToken: string;
  @ApiProperty({ format: "date-time" }) accessTokenExpiresAt: string;
  @ApiProperty({ format: "date-time" }) refreshTokenExpiresAt: string;
}
