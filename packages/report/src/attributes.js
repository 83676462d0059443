/** Reading attribute values of parsed PROV records, whichever way the writer typed them. */
import { Literal, decodeOriginalNumber } from '@prov4ml/prov-core';
/** The value's text: a string as is, a literal's lexical form, a number or boolean printed; the first of several. */
export function attributeText(attributes, key) {
    const value = single(attributes[key]);
    if (value === undefined)
        return null;
    if (value instanceof Literal)
        return value.value;
    return String(value);
}
/**
 * The value as a number: an xsd number literal, a JSON number, or a numeric string (the original
 * wrote every value as a string). `INF`/`-INF`/`NaN` are the xsd:double lexical forms.
 */
export function attributeNumber(attributes, key) {
    const value = single(attributes[key]);
    if (typeof value === 'number')
        return value;
    const text = value instanceof Literal ? value.value : typeof value === 'string' ? value : null;
    return text === null ? null : numberFromText(text);
}
export function attributeBoolean(attributes, key) {
    const value = single(attributes[key]);
    if (typeof value === 'boolean')
        return value;
    const text = value instanceof Literal ? value.value : typeof value === 'string' ? value : null;
    if (text === 'true' || text === 'True' || text === '1')
        return true;
    if (text === 'false' || text === 'False' || text === '0')
        return false;
    return null;
}
/** An xsd:dateTime (or the original's `2026-11-26 20:58:10.395000`, taken as UTC) as epoch ms. */
export function attributeTimeMs(attributes, key) {
    const text = attributeText(attributes, key);
    if (text === null)
        return null;
    const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
    return Number.isNaN(ms) ? null : ms;
}
/** Whether a record's `<prefix>:type` (or `prov:type`) is `type`, with or without a prefix on the value. */
export function hasType(record, typeKeys, type) {
    return typeKeys.some((key) => {
        const values = record.attributes[key];
        const list = Array.isArray(values) ? values : values === undefined ? [] : [values];
        return list.some((value) => {
            const text = value instanceof Literal ? value.value : String(value);
            return text === type || text.endsWith(`:${type}`);
        });
    });
}
/** A number as the original or we wrote it (`1.5`, `np.float64(1.5)`, `nan`, `INF`); null when it is not one. */
function numberFromText(text) {
    try {
        return decodeOriginalNumber(text, 'value');
    }
    catch {
        return null;
    }
}
function single(value) {
    return Array.isArray(value) ? value[0] : value;
}
//# sourceMappingURL=attributes.js.map