import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Server-side state of one browser interaction, keyed by the interaction uid: the message to show after a
 * redirect (post/redirect/get) and, later, the pending first factor while a second one is asked.
 */
export interface InteractionState {
  _id: string;
  flash?: { error?: string; email?: string };
  expiresAt: Date;
}

const schema = new Schema<InteractionState>(
  {
    _id: { type: String, required: true },
    flash: { error: String, email: String },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'interaction_states', versionKey: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type InteractionStateModel = Model<InteractionState>;
export const interactionStateModel = (db: Connection): InteractionStateModel =>
  db.models.InteractionState as InteractionStateModel | undefined ?? db.model<InteractionState>('InteractionState', schema);
