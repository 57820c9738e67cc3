import type { Models } from './database.js';
import type { ReconciliationDoc } from './reconciliation-model.js';

export type ReconciliationRecord = Omit<ReconciliationDoc, '_id' | 'runs'>;

/** The daily reconciliation reports: one document per day, upserted by each run. */
export function createReconciliationStore(Reconciliation: Models['Reconciliation']) {
  return {
    find(date: string): Promise<ReconciliationDoc | null> {
      return Reconciliation.findById(date).lean<ReconciliationDoc>();
    },

    /** Newest day first. */
    list(filter: { date?: string }, limit: number): Promise<ReconciliationDoc[]> {
      const query = filter.date ? { _id: filter.date } : {};
      return Reconciliation.find(query).sort({ _id: -1 }).limit(limit).lean<ReconciliationDoc[]>();
    },

    /** Writes the day's report over the previous one, counting the runs. */
    async save(report: ReconciliationRecord): Promise<ReconciliationDoc> {
      const previous = await Reconciliation.findById(report.date).lean<ReconciliationDoc>();
      const doc: ReconciliationDoc = {
        ...report,
        _id: report.date,
        runs: (previous?.runs ?? 0) + 1,
      };
      await Reconciliation.replaceOne({ _id: report.date }, doc, { upsert: true });
      return doc;
    },
  };
}

export type ReconciliationStore = ReturnType<typeof createReconciliationStore>;
