// The same hello handler as a piscina task: returns the result shape gopool's threads send.
module.exports = () => ({ status: 200, kind: 1, headers: null, body: JSON.stringify({ hello: 'world' }) });
