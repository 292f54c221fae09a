/** BotFather tokens: the bot id, a colon, then the secret (the App API's TelegramSetupDto rule). */
export const TELEGRAM_TOKEN = /^\d{3,}:[A-Za-z0-9_-]{20,}$/;

export function isTelegramToken(value: string): boolean {
  return value.length <= 200 && TELEGRAM_TOKEN.test(value);
}
