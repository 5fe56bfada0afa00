/**
 * Poort's interaction state (src/auth/interaction-state.ts) kept inside oidc-provider's Interaction entry: in its
 * `result`, under one key of Poort's own, until the interaction's final answer (the login result) replaces the whole
 * result. So the state lives exactly as long as the interaction, is stored like it (under the hash of its id, sealed:
 * src/oidc/adapter.ts), is read with the interaction each request already reads (the request's read cache answers),
 * and is gone the moment the login is done, without a write of its own.
 *
 * Writes rewrite the interaction entry as a whole (oidc-provider's model): two requests of one interaction at the
 * same moment keep the last one's state. That can only cost the person a message or send them back a step — it
 * decides nothing: each single-use decision of a login (a code's time step, a recovery code, an SMS code, a
 * factor's set-up, the SMS send throttle) is an atomic operation of its own store.
 *
 * A result holding only this state carries no login: oidc-provider's resume, should the browser go there early,
 * finds nothing answered and asks the login again.
 */
import type Provider from 'oidc-provider';
import type { Flash, InteractionStates, Pending } from '../auth/interaction-state.ts';

const KEY = 'poortState';

/** Pending as stored (JSON): the time as epoch milliseconds. */
type StoredPending = Omit<Pending, 'passwordAt'> & { passwordAt: number };
interface Stored { pending?: StoredPending; flash?: Flash }

type Interaction = InstanceType<Provider['Interaction']>;

const stateOf = (interaction: Interaction | undefined): Stored =>
  ((interaction?.result as Record<string, unknown> | undefined)?.[KEY] as Stored | undefined) ?? {};

export function createInteractionStates(provider: Provider): InteractionStates {
  const find = (uid: string) => provider.Interaction.find(uid);

  /** Replaces the state; an interaction that is gone, or already answered, keeps what it has. */
  async function write(uid: string, change: (state: Stored) => Stored): Promise<void> {
    const interaction = await find(uid);
    if (!interaction || (interaction.result && !(KEY in interaction.result))) return;
    interaction.result = { [KEY]: change(stateOf(interaction)) };
    await interaction.persist();
  }

  return {
    async setFlash(uid, flash) {
      await write(uid, ({ pending, ...state }) => {
        if (!pending) return { ...state, flash };
        const { factor: _factor, ...rest } = pending;
        return { ...state, pending: rest, flash };
      });
    },
    async takeFlash(uid) {
      const { flash } = stateOf(await find(uid));
      if (flash) await write(uid, ({ flash: _flash, ...rest }) => rest);
      return flash;
    },
    async pending(uid) {
      const { pending } = stateOf(await find(uid));
      return pending?.accountId ? { ...pending, passwordAt: new Date(pending.passwordAt) } : undefined;
    },
    async setPending(uid, pending) {
      await write(uid, (state) => ({ ...state, pending: { ...pending, passwordAt: pending.passwordAt.getTime() } }));
    },
    async updatePending(uid, changes) {
      await write(uid, (state) => {
        if (!state.pending) return state;
        const { passwordAt, ...rest } = changes;
        const next: StoredPending = { ...state.pending, ...rest, ...(passwordAt ? { passwordAt: passwordAt.getTime() } : {}) };
        for (const [key, value] of Object.entries(changes)) if (value === undefined) delete next[key as keyof StoredPending];
        return { ...state, pending: next };
      });
    },
  };
}
