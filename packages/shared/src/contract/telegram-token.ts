/**
 * Telegram bot tokens as BotFather issues them: the bot's numeric id (5-12 digits), a colon,
 * then 30+ characters of A-Z a-z 0-9 _ -. One rule for the Manager, the App API and the app;
 * a module with no imports, so the app can use it at run time without pulling in TypeBox.
 */
export const TELEGRAM_BOT_TOKEN_SOURCE = "^\\d{5,12}:[A-Za-z0-9_-]{30,}$";
export const TELEGRAM_BOT_TOKEN_PATTERN = new RegExp(TELEGRAM_BOT_TOKEN_SOURCE);
export const TELEGRAM_BOT_TOKEN_MAX_LENGTH = 200;

export function isTelegramBotToken(value: string): boolean {
  return value.length <= TELEGRAM_BOT_TOKEN_MAX_LENGTH && TELEGRAM_BOT_TOKEN_PATTERN.test(value);
}
