/** Escaping and number formatting shared by the page's pieces. */
/** Text or attribute value made safe for HTML and inline SVG. */
export declare function escapeHtml(text: string): string;
/** JSON safe inside `<script type="application/json">`: no `</script>` or `<!--` can end the element early. */
export declare function jsonForScript(value: unknown): string;
/** A number short enough for a tick or a table: 4 significant digits, exponent form outside 1e-3 … 1e6. */
export declare function formatNumber(value: number | null, significantDigits?: number): string;
/** UTC time as `2026-11-26 20:58:10 UTC`: a report is read on machines in other time zones. */
export declare function formatTime(epochMs: number | null): string;
/** A duration such as `3.2 s`, `4 min 05 s`, `2 h 03 min`. */
export declare function formatDuration(ms: number | null): string;
//# sourceMappingURL=html.d.ts.map