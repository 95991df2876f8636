import type { Database, RootDatabase } from 'lmdb';
import { readUint32At } from './encoding.js';

/**
 * Where each document sits in the block order once `reorder` has run: `<prefix>.slots` (internal id -> slot) and
 * `<prefix>.slotIds` (slot -> internal id). Before the first reordering the maps are empty and slot = internal id
 * (the store's `permuted` flag says which). Writes run inside the caller's transaction.
 */
export class SlotMap {
  private readonly slotOfId: Database<Uint8Array, number>;
  private readonly idOfSlot: Database<Uint8Array, number>;

  constructor(env: RootDatabase, prefix: string) {
    this.slotOfId = env.openDB<Uint8Array, number>({ name: `${prefix}.slots`, keyEncoding: 'uint32', encoding: 'binary' });
    this.idOfSlot = env.openDB<Uint8Array, number>({ name: `${prefix}.slotIds`, keyEncoding: 'uint32', encoding: 'binary' });
  }

  /** Slot of a mapped document (undefined when it has none). */
  slotOf(internalId: number): number | undefined {
    const bytes = this.slotOfId.getBinaryFast(internalId);
    return bytes === undefined ? undefined : readUint32At(bytes, 0);
  }

  /** Internal id at `slot`, or -1. */
  internalIdAt(slot: number): number {
    const bytes = this.idOfSlot.getBinaryFast(slot);
    return bytes === undefined ? -1 : readUint32At(bytes, 0);
  }

  assign(internalId: number, slot: number): void {
    this.slotOfId.putSync(internalId, uint32Bytes(slot));
    this.idOfSlot.putSync(slot, uint32Bytes(internalId));
  }

  /** Unmaps a document; returns the slot it held. */
  release(internalId: number): number {
    const slot = readUint32At(this.slotOfId.getBinary(internalId)!, 0);
    this.slotOfId.removeSync(internalId);
    this.idOfSlot.removeSync(slot);
    return slot;
  }

  clear(): void {
    this.slotOfId.clearSync();
    this.idOfSlot.clearSync();
  }
}

function uint32Bytes(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
}
