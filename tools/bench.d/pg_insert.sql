-- pgbench script of the PostgreSQL baseline (tools/bench --only baselines): one transaction
-- inserting the deal tools/bench.d/create_deal.lua posts, as jsonb, in autocommit (committed,
-- and with synchronous_commit=on flushed to the WAL, before pgbench sends the next one).
\set n random(1, 1000000000)
INSERT INTO deals (doc) VALUES (('{"name":"Bench deal ' || CAST(:n AS text) || '","stage_id":1,"amount":"1250.50"}')::jsonb);
