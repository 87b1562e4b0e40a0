/** One kibibyte in bytes; use as `ram: 512 * KB`. */
export const KB = 1024;
/** One mebibyte in bytes; use as `ram: 128 * MB`. */
export const MB = 1024 * KB;
/** One gibibyte in bytes; use as `disk: 2 * GB`. */
export const GB = 1024 * MB;
/** One tebibyte in bytes. */
export const TB = 1024 * GB;
