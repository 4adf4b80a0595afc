// A BSON encoder for the few answers of the legacy /rest/v1/*.bson API (duo_unix 1.x reads BSON,
// not JSON): documents of strings, 32-bit integers, booleans and documents. Nothing is decoded.

export type BsonValue = string | number | boolean | BsonDocument;
export interface BsonDocument {
  [name: string]: BsonValue | undefined;
}

const cstring = (text: string) => Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])]);

function element(name: string, value: BsonValue): Buffer {
  if (name.includes('\0')) throw new Error(`BSON field names cannot hold NUL (${JSON.stringify(name)})`);
  if (typeof value === 'string') {
    const bytes = cstring(value);
    const length = Buffer.alloc(4);
    length.writeInt32LE(bytes.length);
    return Buffer.concat([Buffer.from([0x02]), cstring(name), length, bytes]);
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31)
      throw new Error(`BSON int32 out of range: ${value}`);
    const int = Buffer.alloc(4);
    int.writeInt32LE(value);
    return Buffer.concat([Buffer.from([0x10]), cstring(name), int]);
  }
  if (typeof value === 'boolean')
    return Buffer.concat([Buffer.from([0x08]), cstring(name), Buffer.from([value ? 1 : 0])]);
  return Buffer.concat([Buffer.from([0x03]), cstring(name), encodeBson(value)]);
}

export function encodeBson(document: BsonDocument): Buffer {
  const body = Buffer.concat(
    Object.entries(document).flatMap(([name, value]) => (value === undefined ? [] : [element(name, value)])),
  );
  const size = Buffer.alloc(4);
  size.writeInt32LE(4 + body.length + 1);
  return Buffer.concat([size, body, Buffer.from([0])]);
}
