/**
 * What every second factor is, in one interface (the model is Ory Kratos's strategies: a flow never names a
 * method, it asks the registry in ./index.ts). A factor that can be an account's method (authenticator app, SMS)
 * knows how to describe itself on the code page, how to send a code if one must be sent, how to check a code once,
 * and how its set-up goes (what the choice form asks, which page shows the set-up, how the first code completes it).
 * A factor that is not a typed code (a passkey) makes what its own page needs each time the page is shown
 * (`prompt`), and its proof is what that page posts in the code field. A method of which a person holds several
 * (passkeys) lists them as `items`. Recovery codes stand in for any method and are a factor of their own kind (see
 * recovery-code.ts).
 */
import type { Enrolment } from '../../db/models/enrolment.ts';
import type { SecondFactor } from '../../db/models/second-factor.ts';
import type { MessageKey } from '../../i18n/index.ts';

/** Where a code is asked; a sent code is bound to it, so a code sent for one place is refused at another. */
export interface Purpose {
  readonly kind: 'login' | 'account' | 'reset' | 'enrol';
  /** The interaction, account-page visit, reset link or set-up the code belongs to. */
  readonly id: string;
}

/** The one place a purpose becomes the key a code or challenge is bound to. */
export const purposeKey = (purpose: Purpose): string => `${purpose.kind}:${purpose.id}`;

export type SendOutcome = 'sent' | 'throttled' | 'failed';

/** A right proof: true, or the amr this proof carries where it depends on the authenticator used (hwk or swk). */
export type Proof = true | { amr: string };

/** One of several things a method holds (a passkey), as the account page lists it. */
export interface FactorItem {
  id: string;
  /** The person's name for it; empty when they gave none. */
  name: string;
  createdAt: Date;
  lastUsedAt?: Date;
}

/** How the code page and the account page speak of an enrolled factor (catalogue keys and their values). */
export interface FactorDescription {
  /** Where the code comes from, on the code page ("Open your authenticator app…", "We sent a text to …"). */
  codeIntro: MessageKey;
  /** The account page's status line, and the hint under a code field of its forms. */
  status: MessageKey;
  codeHint: MessageKey;
  vars: Record<string, string>;
  /** A page of its own for the code step (a factor that is not a typed code); absent: the shared code page. */
  codeView?: string;
  /** The account page's list of what the method holds (its title), for a method with `items`. */
  itemsTitle?: MessageKey;
  /** The scripts (same-origin URLs) its pages need, where a form's code field is answered in the browser. */
  scripts?: readonly string[];
}

/** A field the set-up's choice form asks for this method (shown with it, checked by `enrol.start`). */
export interface EnrolField {
  name: string;
  label: MessageKey;
  hint?: MessageKey;
  type: 'tel' | 'text';
  autocomplete: string;
  inputmode: string;
  maxlength: number;
}

/** A set-up in progress, as stored: the method's own data, kept until the first code proves it. */
export type EnrolmentData = Omit<Enrolment, '_id' | 'accountId' | 'method' | 'expiresAt'>;

/** The enrolled factor's own fields (besides method, account and dates). */
export type FactorData = Omit<SecondFactor, '_id' | 'organisationId' | 'method' | 'enabledAt' | 'updatedAt' | 'codeValidity'>;

/** The otpauth issuer (organisation or platform) and label (the e-mail address) an app shows for the account. */
export interface AccountLabels {
  issuer: string;
  label: string;
}

export type StartResult = { ok: true; data: EnrolmentData } | { ok: false; error: MessageKey | Exclude<SendOutcome, 'sent'> };

export interface MethodFactor {
  readonly id: string;
  /** RFC 8176 value for the amr claim (the usual one, where a proof may carry another: see `amrs`). */
  readonly amr: string;
  /** Every amr value its proofs may carry, when more than `amr`. */
  readonly amrs?: readonly string[];
  /** Its name in lists, notices and the choice form; an optional hint under the choice. */
  readonly name: MessageKey;
  readonly choice: MessageKey;
  readonly hint?: MessageKey;
  /** Whether this server can offer it at all (SMS needs a gateway). */
  readonly available: boolean;
  describe(factor: SecondFactor): FactorDescription;
  /** Sends a code before it is asked; absent when the person reads it off a device (then no "send a new code"). */
  challenge?(accountId: string, factor: SecondFactor, purpose: Purpose): Promise<SendOutcome>;
  /**
   * What the factor's own code page needs, made afresh each time it is shown for `purpose` (a passkey's sign-in
   * options with a new single-use challenge); absent for a typed code.
   */
  prompt?(accountId: string, factor: SecondFactor, purpose: Purpose): Promise<Record<string, unknown>>;
  /** A proof once for a right code, else false: a factor refuses a replay of the same code itself, atomically. */
  verify(accountId: string, factor: SecondFactor, code: string, purpose: Purpose): Promise<Proof | false>;
  /** A method of which a person holds several (passkeys): set-ups add to the factor, and one is removed at a time. */
  readonly items?: {
    list(factor: SecondFactor): FactorItem[];
    /** Adds a completed set-up's item to the enrolled factor (one conditional update); false: not added. */
    add(accountId: string, data: FactorData): Promise<boolean>;
    /** Removes one item, never the last (one conditional update): false when it is not there or is the last. */
    remove(accountId: string, itemId: string): Promise<boolean>;
  };
  readonly enrol: {
    readonly fields: readonly EnrolField[];
    /** Begins a set-up (e.g. makes a secret, or sends a code to a number): its data, or why it cannot start. */
    start(accountId: string, enrolmentId: string, input: Readonly<Record<string, string | undefined>>): Promise<StartResult>;
    /** The set-up page: its view and locals. */
    page(accountId: string, data: EnrolmentData, labels: AccountLabels): Promise<{ view: string; locals: Record<string, unknown> }>;
    /** The first code: the enrolled factor's data when it is right, else null. */
    complete(accountId: string, enrolmentId: string, data: EnrolmentData, code: string): Promise<FactorData | null>;
    /** The amr of a completed set-up where it depends on the authenticator (absent: the method's `amr`). */
    amr?(data: FactorData): string;
  };
}
