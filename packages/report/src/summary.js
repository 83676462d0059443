import { seriesKey } from './plots.js';
export function summariseJob(ranks) {
    const first = (pick) => ranks.map(pick).find((value) => value !== null) ?? null;
    const hosts = new Map();
    for (const rank of ranks) {
        if (rank.host === null)
            continue;
        const list = hosts.get(rank.host);
        if (list === undefined)
            hosts.set(rank.host, [rank.rank]);
        else
            list.push(rank.rank);
    }
    const starts = ranks.map((rank) => rank.startMs).filter((ms) => ms !== null);
    const ends = ranks.map((rank) => rank.endMs).filter((ms) => ms !== null);
    const statuses = ranks.map((rank) => ({ rank: rank.rank, status: rankStatus(rank) }));
    const failed = statuses.filter(({ status }) => status.ok === false);
    const recorded = statuses.filter(({ status }) => status.ok !== null);
    return {
        experiment: first((rank) => rank.experiment),
        runId: first((rank) => rank.runId),
        jobId: first((rank) => rank.jobId),
        launcher: first((rank) => rank.launcher),
        user: first((rank) => rank.user),
        worldSize: Math.max(ranks.length, ...ranks.map((rank) => rank.worldSize ?? 0)),
        documentCount: ranks.length,
        hosts: [...hosts.entries()].map(([host, hostRanks]) => ({ host, ranks: hostRanks })),
        startMs: starts.length === 0 ? null : Math.min(...starts),
        endMs: ends.length === 0 ? null : Math.max(...ends),
        generations: [...new Set(ranks.map((rank) => rank.generation))],
        status: failed.length > 0
            ? failed.map(({ rank, status }) => `rank ${rank}: ${status.text}`).join('; ')
            : recorded.length === 0 ? 'not recorded' : `${recorded.length === ranks.length ? 'all' : `${recorded.length} of`} ${ranks.length} rank(s) ended cleanly`,
        ok: failed.length > 0 ? false : recorded.length === 0 ? null : true,
    };
}
/** How a rank ended, in words. */
export function rankStatus(rank) {
    if (rank.signal !== null)
        return { text: `killed by ${rank.signal}`, ok: false };
    if (rank.exitCode !== null && rank.exitCode !== 0)
        return { text: `exited ${rank.exitCode}`, ok: false };
    if (rank.clean === false)
        return { text: rank.exitCode === null ? 'did not end cleanly' : `exited ${rank.exitCode}, not cleanly`, ok: false };
    if (rank.exitCode === 0)
        return { text: 'exited 0', ok: true };
    if (rank.clean === true)
        return { text: 'ended cleanly', ok: true };
    return { text: 'not recorded', ok: null };
}
/**
 * The cumulative carbon metrics of the metrics issue (DESIGN §7): each rank's series ends at that
 * rank's total (a node's energy is attributed to one rank only), so the job's total is their sum.
 */
const CUMULATIVE_METRICS = [
    { metric: 'energy_consumed', label: 'Energy' },
    { metric: 'emissions', label: 'CO2 emissions' },
    { metric: 'cpu_energy', label: 'CPU energy' },
    { metric: 'gpu_energy', label: 'GPU energy' },
    { metric: 'ram_energy', label: 'RAM energy' },
];
/** The original stored codecarbon's energy_consumed under `emissions` (reference §7.3, bug 3). */
const ORIGINAL_EMISSIONS_CAVEAT = "the original yProvML logged energy_consumed under the name 'emissions': this is energy, not CO2";
/**
 * Totals of the cumulative carbon metrics; a rank's value is its series' last value (the largest
 * over contexts). `ranks` tells which documents came from the original, whose names mislead.
 */
export function resourceTotals(series, lastValues, ranks) {
    const originalRanks = new Set(ranks.filter((rank) => rank.generation !== 'prov4ml').map((rank) => rank.rank));
    const totals = [];
    for (const { metric, label } of CUMULATIVE_METRICS) {
        const byRank = new Map();
        let unit = '';
        for (const source of series) {
            if (source.name !== metric)
                continue;
            const last = lastValues.get(seriesKey(source.rank, source.name, source.context)) ?? source.lastValue;
            if (last === null || !Number.isFinite(last))
                continue;
            unit ||= source.unit;
            byRank.set(source.rank, Math.max(byRank.get(source.rank) ?? Number.NEGATIVE_INFINITY, last));
        }
        if (byRank.size === 0)
            continue;
        const perRank = [...byRank.entries()].sort(([a], [b]) => a - b).map(([rank, value]) => ({ rank, value }));
        const misnamed = metric === 'emissions' && perRank.some(({ rank }) => originalRanks.has(rank));
        totals.push({ label, metric, unit, total: perRank.reduce((sum, { value }) => sum + value, 0), perRank, caveat: misnamed ? ORIGINAL_EMISSIONS_CAVEAT : null });
    }
    return totals;
}
//# sourceMappingURL=summary.js.map