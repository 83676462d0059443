/** Reading attribute values of parsed PROV records, whichever way the writer typed them. */
import { type Attributes, type ProvRecord } from '@prov4ml/prov-core';
/** The value's text: a string as is, a literal's lexical form, a number or boolean printed; the first of several. */
export declare function attributeText(attributes: Attributes, key: string): string | null;
/**
 * The value as a number: an xsd number literal, a JSON number, or a numeric string (the original
 * wrote every value as a string). `INF`/`-INF`/`NaN` are the xsd:double lexical forms.
 */
export declare function attributeNumber(attributes: Attributes, key: string): number | null;
export declare function attributeBoolean(attributes: Attributes, key: string): boolean | null;
/** An xsd:dateTime (or the original's `2026-11-26 20:58:10.395000`, taken as UTC) as epoch ms. */
export declare function attributeTimeMs(attributes: Attributes, key: string): number | null;
/** Whether a record's `<prefix>:type` (or `prov:type`) is `type`, with or without a prefix on the value. */
export declare function hasType(record: ProvRecord, typeKeys: readonly string[], type: string): boolean;
//# sourceMappingURL=attributes.d.ts.map