import { Schema, type Connection, type Model } from 'mongoose';

/**
 * Timers of one browser session (`_id` = oidc-provider session uid). oidc-provider keeps only a fixed set of
 * session fields, so Poort keeps its own: when the password and the second factor were last checked, and the last
 * activity (an accepted authorization or use of the account page — never a mere page view of a prompt).
 */
export interface SessionActivity {
  _id: string;
  accountId: string;
  passwordAt: Date;
  secondFactorAt?: Date;
  lastActiveAt: Date;
  expiresAt: Date;
}

const schema = new Schema<SessionActivity>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    passwordAt: { type: Date, required: true },
    secondFactorAt: { type: Date },
    lastActiveAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'session_activity', versionKey: false },
);
schema.index({ accountId: 1 });
schema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export type SessionActivityModel = Model<SessionActivity>;
export const sessionActivityModel = (db: Connection): SessionActivityModel =>
  db.models.SessionActivity as SessionActivityModel | undefined ?? db.model<SessionActivity>('SessionActivity', schema);
