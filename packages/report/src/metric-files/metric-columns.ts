/** A series' points as three columns of equal length (what every metric file reader returns). */
export interface MetricColumns {
  steps: Float64Array;
  values: Float64Array;
  timestamps: Float64Array;
}
