/** Integer weight of an endpoint at exactly its fair share. */
export const FAIR_WEIGHT = 100;
