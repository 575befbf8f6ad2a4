-- Distribute a motcua database over Citus: reference tables for the catalog and the
-- administrative units, the province as distribution key for dossiers, monitoring and
-- statistics, the subject's personal number for the access log (docs/scaling.md, section 5).
--
-- A one-off measurement script, not something the platform runs or installs. Start from a
-- database made by the platform's own migrations (`motcua seed` and the demo data), on a Citus
-- coordinator whose workers have the same database with `CREATE EXTENSION citus`:
--
--   psql -h COORDINATOR -d motcua_citus -v ON_ERROR_STOP=1 -f docs/citus/distribute.sql
--
-- It changes the schema where Citus refuses it as it is (each change says which refusal it
-- answers). The platform's migrations now carry most of the first: migrations
-- 0022_citus_province_code and 0022_citus_province_more give `dossiers` and the tables keyed by
-- a dossier their `province_code`, filled from the receiving agency's unit, and the code that
-- writes them sets it; this script adds it only where a table still lacks it
-- (`group_members`, `assisted_filings`). None of its other changes is in the migrations.

\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- 8 shards per distributed table: enough to see single-shard and all-shard plans on a small
-- machine; a real cluster would keep Citus's default (32) or more.
SET citus.shard_count = 8;

CREATE EXTENSION IF NOT EXISTS citus;
-- Workers: run once per worker, e.g.
--   SELECT citus_set_coordinator_host('10.0.0.1', 5432);
--   SELECT citus_add_node('10.0.0.2', 5432);  SELECT citus_add_node('10.0.0.3', 5432);

-- 1. The province of every row ---------------------------------------------------------------
-- `create_distributed_table('dossiers', 'province_code')` answered, before migration
-- 0022_citus_province_code,
--   ERROR:  column "province_code" of relation "dossiers" does not exist
-- The province is the receiving agency's administrative unit's province ("" for agencies
-- above the provinces: ministries, central bodies), the rule the statistics use. The
-- migrations give it to dossiers and to most tables keyed by one (and the platform writes it
-- with every row since); the others get the dossier's here.
CREATE FUNCTION pg_temp.province_of(agency int) RETURNS varchar(5) LANGUAGE sql STABLE AS $$
    SELECT coalesce(u.province_code, u.code, '')
    FROM agencies a LEFT JOIN admin_units u ON u.code = a.unit_code WHERE a.id = agency
$$;

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM information_schema.columns
                   WHERE table_name = 'dossiers' AND column_name = 'province_code') THEN
        RAISE EXCEPTION 'dossiers has no province_code: run the platform''s migrations first';
    END IF;
END $$;

-- Every table keyed by a dossier gets the dossier's province, unless the migrations gave it.
-- (Names, not oids: when a table becomes a reference table, Citus turns the tables chained to it
-- by foreign keys into local tables of its own, and those keep the name but not the oid.)
CREATE TEMP TABLE dossier_keyed AS
    SELECT DISTINCT c.conrelid::regclass::text AS tab
    FROM pg_constraint c
    WHERE c.contype = 'f' AND c.confrelid = 'dossiers'::regclass AND c.conparentid = 0;

DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT tab FROM dossier_keyed LOOP
        CONTINUE WHEN EXISTS (SELECT FROM information_schema.columns
                              WHERE table_name = r.tab AND column_name = 'province_code');
        EXECUTE format('ALTER TABLE %s ADD COLUMN province_code varchar(5)', r.tab);
        EXECUTE format('UPDATE %s t SET province_code = d.province_code FROM dossiers d '
                       'WHERE d.id = t.dossier_id', r.tab);
        EXECUTE format('ALTER TABLE %s ALTER COLUMN province_code SET NOT NULL', r.tab);
    END LOOP;
END $$;

ALTER TABLE monitoring_reports ADD COLUMN province_code varchar(5);
UPDATE monitoring_reports SET province_code = pg_temp.province_of(agency_id);
ALTER TABLE monitoring_reports ALTER COLUMN province_code SET NOT NULL;
-- The snapshots copy the province already, NULL for units of no province; a distribution
-- column cannot hold NULL, so "" as in the totals tables.
UPDATE monitoring_unit_days SET province_code = '' WHERE province_code IS NULL;
ALTER TABLE monitoring_unit_days ALTER COLUMN province_code SET NOT NULL;
UPDATE monitoring_checklist_days SET province_code = '' WHERE province_code IS NULL;
ALTER TABLE monitoring_checklist_days ALTER COLUMN province_code SET NOT NULL;

-- The tables to distribute: every table keyed by a dossier, monitoring and statistics by the
-- province, the access log by the person.
CREATE TEMP TABLE by_province AS
    SELECT 'dossiers' AS tab UNION ALL SELECT tab FROM dossier_keyed
    UNION ALL SELECT unnest(ARRAY['monitoring_reports', 'monitoring_unit_days',
        'monitoring_checklist_days', 'stats_daily', 'stats_dossier_facts', 'stats_monthly']);

-- 2. Foreign keys off until the tables are placed -------------------------------------------
-- Distributing first answers
--   ERROR:  referenced table "agencies" must be a distributed table or a reference table
-- and making the reference tables first turns every table chained to them by a foreign key
-- into a local table in Citus's metadata, which `create_distributed_table` then refuses
--   ERROR:  relation "assisted_filings_102010" is a shard relation
-- So the foreign keys of the tables to distribute are kept aside, dropped, and made again
-- once every table is in place (section 5).
CREATE TEMP TABLE kept_fks AS
    SELECT c.conrelid::regclass::text AS tab, c.conname, pg_get_constraintdef(c.oid) AS def,
           c.confrelid::regclass::text AS target
    FROM pg_constraint c
    WHERE c.contype = 'f' AND c.conparentid = 0
    AND c.conrelid::regclass::text IN (SELECT tab FROM by_province
                                       UNION ALL SELECT 'exchange_access_log');
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM kept_fks LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tab, r.conname);
    END LOOP;
END $$;

-- 3. Keys that carry the distribution column -------------------------------------------------
-- `create_distributed_table('stats_daily', 'province_code')` answers
--   ERROR:  cannot create constraint on "stats_daily"
--   DETAIL:  Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints
--   that do not include the partition column (with an equality operator if EXCLUDE).
-- So every primary key and unique constraint of a distributed table gains the key. What that
-- gives up: `dossiers.code`, `dossiers (actor_number, idempotency_key)`, a dossier's item
-- positions, history `seq` and so on are enforced unique per province only. The code stays
-- unique because it carries the receiving agency (and so its province); a repeated request
-- still meets its first copy (same agency, same province), but one idempotency key reused
-- for another province's agency would no longer be refused.
CREATE FUNCTION pg_temp.rekey(tab regclass, key text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE r record;
BEGIN
    FOR r IN SELECT conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
             WHERE conrelid = tab AND contype IN ('p', 'u') AND conparentid = 0
             AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = tab AND attname = key)
                 = ANY (conkey)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', tab, r.conname);
        EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', tab, r.conname,
                       regexp_replace(r.def, '\)$', ', ' || key || ')'));
    END LOOP;
END $$;

SELECT pg_temp.rekey(tab::regclass, 'province_code') FROM by_province;
SELECT pg_temp.rekey('exchange_access_log', 'subject_personal_id');

-- 4. Place the tables ------------------------------------------------------------------------
-- Distributed, all co-located with dossiers on the province (a dossier, its history, its
-- case and the province's monitoring and statistics on the same node).
SELECT create_distributed_table('dossiers', 'province_code');
SELECT create_distributed_table(tab::regclass, 'province_code', colocate_with => 'dossiers')
FROM by_province WHERE tab <> 'dossiers';
-- A person's access log, by the person: its own co-location group.
SELECT create_distributed_table('exchange_access_log', 'subject_personal_id',
    colocate_with => 'none');

-- Reference tables: small, read by nearly every query, changed rarely (copied to every node;
-- a foreign key from a distributed table to one of them is allowed). One statement each: the
-- tables still local that are chained to them by foreign keys (officers' tokens, consents,
-- applications, ...) become local tables in Citus's metadata, on the coordinator.
SELECT create_reference_table('admin_units');
SELECT create_reference_table('agencies');
SELECT create_reference_table('unit_successions');
SELECT create_reference_table('officers');
SELECT create_reference_table('evidence_types');
SELECT create_reference_table('procedures');
SELECT create_reference_table('procedure_versions');
SELECT create_reference_table('requirements');
SELECT create_reference_table('catalog_groups');
SELECT create_reference_table('exchange_registries');
SELECT create_reference_table('exchange_registry_services');
SELECT create_reference_table('workflow_definitions');
SELECT create_reference_table('monitoring_plans');
SELECT create_reference_table('monitoring_tasks');
SELECT create_reference_table('monitoring_indicators');
SELECT create_reference_table('monitoring_assignments');

-- 5. Foreign keys again ----------------------------------------------------------------------
-- To dossiers: with the province, (dossier_id, province_code) -> dossiers (id, province_code).
-- To a reference table: as they were. To a table that stays on the coordinator, Citus answers
--   ERROR:  referenced table "dossier_uploads" must be a distributed table or a reference table
--   DETAIL:  To enforce foreign keys, the referencing and referenced rows need to be stored on
--   the same node.
-- `dossier_items.upload_id` (uploads are per person, not per province) and
-- `group_members.filing_id` are such keys: they stay off, each named in a warning, and would
-- be kept by the code that writes them.
-- (One connection per node: with foreign keys to reference tables in one transaction Citus
-- otherwise answers "cannot modify table "workflow_cases" because there was a parallel
-- operation on a distributed table in the transaction".)
SET citus.multi_shard_modify_mode TO 'sequential';
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT * FROM kept_fks LOOP
        IF r.target = 'dossiers' THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (dossier_id, '
                           'province_code) REFERENCES dossiers (id, province_code)%s',
                           r.tab, r.conname,
                           CASE WHEN r.def LIKE '%ON DELETE CASCADE%' THEN ' ON DELETE CASCADE'
                                ELSE '' END);
        ELSIF EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = r.target::regclass
                      AND partmethod = 'n' AND repmodel = 't') THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', r.tab, r.conname, r.def);
        ELSE
            RAISE WARNING 'foreign key % of % stays off: % stays on the coordinator',
                r.conname, r.tab, r.target;
        END IF;
    END LOOP;
END $$;

ANALYZE;

-- What is where.
SELECT logicalrelid AS "table",
       CASE WHEN partmethod = 'h' THEN 'distributed' WHEN repmodel = 't' THEN 'reference'
            ELSE 'local (coordinator)' END AS kind,
       column_to_column_name(logicalrelid, partkey) AS key, colocationid
FROM pg_dist_partition
WHERE logicalrelid::text !~ '_(p\d{6}|default)$'
ORDER BY kind, colocationid, 1;
