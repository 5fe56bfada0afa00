/**
 * The check each benchmark run makes before it relies on the counting proxy: a MongoDB client of its own sends a
 * known number of `find` commands through the proxy, and the proxy must count exactly that many — the same number
 * the driver's command monitoring reports. (`db-proxy-check.ts` checks the proxy more thoroughly.)
 */
import mongoose from 'mongoose';
import { commandsPerOp, type DbProxy } from './db-proxy.ts';

export async function calibrateProxy(proxy: DbProxy, uriThroughProxy: string, finds = 200): Promise<string> {
  const client = new mongoose.mongo.MongoClient(uriThroughProxy, { monitorCommands: true, maxPoolSize: 2 });
  let driverCount = 0;
  client.on('commandStarted', () => {
    driverCount += 1;
  });
  try {
    await client.connect();
    const collection = client.db().collection('bench_proxy_check');
    await collection.findOne({ _id: 'warm-up' as never });
    driverCount = 0;
    const before = await proxy.snapshot();
    for (let i = 0; i < finds; i += 1) await collection.findOne({ _id: `check-${i}` as never });
    const counted = commandsPerOp(before, await proxy.snapshot(), 1);
    const found = JSON.stringify(counted.byName);
    if (found !== JSON.stringify({ find: finds }) || driverCount !== finds || counted.unparsed !== 0) {
      throw new Error(`the database proxy miscounts: ${finds} findOne (${driverCount} commands by the driver's count) were counted as ${found}, ${counted.unparsed} unreadable`);
    }
    return `checked at the start of this run: ${finds} findOne counted as ${finds} find`;
  } finally {
    await client.close();
  }
}
