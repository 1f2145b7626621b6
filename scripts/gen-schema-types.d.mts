// Types of scripts/gen-schema-types.mjs for the drift test.
/** PascalCase payload record name of an event type. */
export declare function payloadRecordName(eventType: string): string;
/** Renders the generated files (repo-relative path → content) from a folder of family schemas. */
export declare function generate(avroDir?: string): Record<string, string>;
