import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Server-side state of one browser interaction, keyed by the interaction uid: the message to show after a
 * redirect (post/redirect/get) and, later, the pending first factor while a second one is asked.
 */
export interface Pending {
  accountId: string;
  /** Methods already passed in this interaction (`pwd`, or empty for a code-only prompt). */
  amr: string[];
  /** When the password was checked (now, or earlier in the session for a code-only prompt). */
  passwordAt: Date;
  /** The code was sent for this interaction (for a factor that sends one). */
  codeSent?: boolean;
  /** A second factor being set up during this login. */
  enrolmentId?: string;
  /** New recovery codes, sealed, shown until the person confirms they stored them. */
  recoveryCodes?: string;
  /** The factor verified (amr value) while recovery codes are being shown. */
  verified?: string;
}

export interface InteractionState {
  _id: string;
  flash?: { error?: string; email?: string; info?: string };
  /** The password was right and a second factor is due: who, and which factors are done. */
  pending?: Pending;
  expiresAt: Date;
}

const schema = new Schema<InteractionState>(
  {
    _id: { type: String, required: true },
    flash: { error: String, email: String, info: String },
    pending: {
      accountId: String, amr: [String], passwordAt: Date, codeSent: Boolean, enrolmentId: String, recoveryCodes: String, verified: String,
    },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'interaction_states', versionKey: false },
);
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type InteractionStateModel = Model<InteractionState>;
export const interactionStateModel = (db: Connection): InteractionStateModel =>
  db.models.InteractionState as InteractionStateModel | undefined ?? db.model<InteractionState>('InteractionState', schema);
