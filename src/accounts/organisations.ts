/** Organisation use cases. */
import { randomUUID } from 'node:crypto';
import type { Organisation, OrganisationModel, TwoFactorPolicy } from '../db/models/organisation.ts';

export interface Organisations {
  create(input: { name: string; twoFactor?: TwoFactorPolicy }): Promise<Organisation>;
  get(id: string): Promise<Organisation | undefined>;
  findByName(name: string): Promise<Organisation | undefined>;
}

export function createOrganisations(model: OrganisationModel): Organisations {
  return {
    async create({ name, twoFactor = 'optional' }) {
      const created = await model.create({ _id: randomUUID(), name, twoFactor });
      return created.toObject();
    },
    async get(id) {
      return (await model.findById(id).lean<Organisation>().exec()) ?? undefined;
    },
    async findByName(name) {
      return (await model.findOne({ name }).lean<Organisation>().exec()) ?? undefined;
    },
  };
}
