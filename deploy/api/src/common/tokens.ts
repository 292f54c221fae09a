/** DI tokens for values that are not classes (config, database, logger). */
export const CONFIG = Symbol("CONFIG");
export const DATABASE = Symbol("DATABASE");
export const LOGGER = Symbol("LOGGER");
