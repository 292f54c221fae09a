/**
 * How a sleeping instance is written on its Deployment (issue 14): `spec.replicas: 0` plus
 * these annotations, so the watch cache alone can tell "asleep" from "scaled down by hand"
 * and a restarted Manager knows what wakes it. The sleep policy is kept here too: the
 * Deployment is the one object of an instance the Manager both writes and watches.
 */
export const SLEEPING_ANNOTATION = "openclaw.ai/sleeping";
/** ISO time of the next cron job at sleep time: the Manager wakes the instance before it. */
export const CRON_WAKE_ANNOTATION = "openclaw.ai/cron-wake-at";
/** "true" when a Telegram bot was configured at sleep time (a DM wakes it). */
export const TELEGRAM_WAKE_ANNOTATION = "openclaw.ai/wake-on-telegram";
export const IDLE_STOP_ANNOTATION = "openclaw.ai/idle-stop-after";
export const SLEEP_WITH_WHATSAPP_ANNOTATION = "openclaw.ai/sleep-with-whatsapp";

export const SLEEP_ANNOTATIONS = [SLEEPING_ANNOTATION, CRON_WAKE_ANNOTATION, TELEGRAM_WAKE_ANNOTATION, IDLE_STOP_ANNOTATION, SLEEP_WITH_WHATSAPP_ANNOTATION];
