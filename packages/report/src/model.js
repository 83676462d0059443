/**
 * What a report shows, independent of where it came from (our run directory, or the original's
 * G1/G3 files): facts per rank, metric series to plot (loaded lazily, one at a time), graphs, notes.
 */
export {};
//# sourceMappingURL=model.js.map