// The healthcheck of compose.yaml's `mongo` service, run by mongosh inside that container every few seconds.
// Its first run initiates the single-member replica set rs0: Poort needs a replica set (MONGODB_URI …?replicaSet=rs0).
// The one member is named by its compose service name, mongo:27017, because the driver connects to the members
// under the names the replica set reports. The check passes once this member is the writable primary, and Poort
// (depends_on: condition: service_healthy) starts only then. Later runs find the set initiated and change nothing.
try {
  rs.status();
} catch (error) {
  if (error.codeName !== 'NotYetInitialized') throw error;
  rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
}
if (!db.hello().isWritablePrimary) quit(1);
