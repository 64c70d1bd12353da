-- The initial DevState document is the smallest document valid against state/default
-- (docs/STATE.schema.json), not {}: so a never-updated DevState exports files that import again.
-- Only a row nobody has written yet (updated_by is null, still {}) is replaced.
-- depends: 0040_devstate_chain

update devstate.state_current
   set json = '{"version": 1, "current_checkpoint": null, "checkpoints": {}}',
       checksum = encode(sha256(convert_to('{"checkpoints":{},"current_checkpoint":null,"version":1}', 'UTF8')), 'hex')
 where id = 1 and updated_by is null and json = '{}';
