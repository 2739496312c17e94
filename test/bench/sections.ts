/**
 * The benchmark sections, in run order. Each is `() => Promise<figures>`; every section
 * bounds its own load in count and time and uses only loopback.
 */
export type Section = () => Promise<Record<string, unknown>>;

export const sections: Record<string, Section> = {};
