/** Escaping and number formatting shared by the page's pieces. */
const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text or attribute value made safe for HTML and inline SVG. */
export function escapeHtml(text) {
    return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}
/** JSON safe inside `<script type="application/json">`: no `</script>` or `<!--` can end the element early. */
export function jsonForScript(value) {
    return JSON.stringify(value).replace(/</g, '\\u003c');
}
/** A number short enough for a tick or a table: 4 significant digits, exponent form outside 1e-3 … 1e6. */
export function formatNumber(value, significantDigits = 4) {
    if (value === null)
        return '—';
    if (Number.isNaN(value))
        return 'NaN';
    if (!Number.isFinite(value))
        return value > 0 ? 'INF' : '-INF';
    if (value === 0)
        return '0';
    const magnitude = Math.abs(value);
    if (Number.isInteger(value) && magnitude < 1e9)
        return String(value);
    if (magnitude >= 1e6 || magnitude < 1e-3)
        return value.toExponential(significantDigits - 1).replace(/\.?0+e/, 'e');
    return String(Number(value.toPrecision(significantDigits)));
}
/** UTC time as `2026-11-26 20:58:10 UTC`: a report is read on machines in other time zones. */
export function formatTime(epochMs) {
    if (epochMs === null || !Number.isFinite(epochMs))
        return '—';
    return `${new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;
}
/** A duration such as `3.2 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms) {
    if (ms === null || !Number.isFinite(ms) || ms < 0)
        return '—';
    if (ms < 60_000)
        return `${formatNumber(ms / 1000, 3)} s`;
    const totalSeconds = Math.round(ms / 1000);
    const hours = Math.floor(totalSeconds / 3600);
    const minutes = Math.floor((totalSeconds % 3600) / 60);
    const seconds = totalSeconds % 60;
    if (hours === 0)
        return `${minutes} min ${String(seconds).padStart(2, '0')} s`;
    return `${hours} h ${String(minutes).padStart(2, '0')} min`;
}
//# sourceMappingURL=html.js.map