-- The platform's key reads on a database distributed by docs/citus/distribute.sql: each as the
-- platform sends it today (the statements below are copied from the coordinator's log while
-- the platform's own API and services answered the reads, parameters written in), and, where
-- that fans out or is refused, the same read with the distribution key added.
--
--   psql -h COORDINATOR -d motcua_citus -f docs/citus/plans.sql
--
-- The values name the synthetic data of docs/scaling.md section 5: agency 120 (a commune
-- People's Committee of province 01), dossier G0000100050 (received there), the monitoring
-- day 2025-12-31. "Task Count: 1" is a single-shard (router) read; "Task Count: 8" visits
-- every shard.
--
-- Measured on 06/12/2026, before migration 0022_citus_province_code gave dossiers and their
-- items, history, cases and visits a province_code column: the statements "as sent" (1a, 2a,
-- 3a, 4a) are what the platform sent then. It now sends the province where 1b, 2b, 3b and 4b
-- add it (the queue as 1b once for the agency's province and once for '', merged; the
-- history and items by dossier id and province): docs/scaling.md section 5, "What the code
-- sends now", shows those statements.
-- They have not been measured again here.

SET client_min_messages = notice;
\set VERBOSITY default

\echo '== 1a. the officer queue of one agency, as sent (workflow/repository.py)'
EXPLAIN (COSTS OFF)
SELECT workflow_cases.dossier_id, workflow_cases.step_kind, workflow_cases.due_at,
       workflow_cases.paused_at, workflow_cases.flag, workflow_cases.assignee_id, dossiers.code,
       dossiers.procedure_code, dossiers.procedure_name, dossiers.state, dossiers.version
FROM workflow_cases JOIN dossiers ON dossiers.id = workflow_cases.dossier_id
WHERE workflow_cases.current_agency_id = 120 AND workflow_cases.open IS true
ORDER BY workflow_cases.due_at, workflow_cases.dossier_id LIMIT 50;

\echo '== 1a2. the same, with repartition joins allowed (both tables reshuffled by dossier id)'
SET citus.enable_repartition_joins = on;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT workflow_cases.dossier_id, workflow_cases.step_kind, workflow_cases.due_at,
       workflow_cases.paused_at, workflow_cases.flag, workflow_cases.assignee_id, dossiers.code,
       dossiers.procedure_code, dossiers.procedure_name, dossiers.state, dossiers.version
FROM workflow_cases JOIN dossiers ON dossiers.id = workflow_cases.dossier_id
WHERE workflow_cases.current_agency_id = 120 AND workflow_cases.open IS true
ORDER BY workflow_cases.due_at, workflow_cases.dossier_id LIMIT 50;
RESET citus.enable_repartition_joins;

\echo '== 1b. the officer queue with the province of the agency in the join and the filter'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT workflow_cases.dossier_id, workflow_cases.step_kind, workflow_cases.due_at,
       workflow_cases.paused_at, workflow_cases.flag, workflow_cases.assignee_id, dossiers.code,
       dossiers.procedure_code, dossiers.procedure_name, dossiers.state, dossiers.version
FROM workflow_cases JOIN dossiers ON dossiers.id = workflow_cases.dossier_id
    AND dossiers.province_code = workflow_cases.province_code
WHERE workflow_cases.current_agency_id = 120 AND workflow_cases.open IS true
    AND workflow_cases.province_code = '01'
ORDER BY workflow_cases.due_at, workflow_cases.dossier_id LIMIT 50;

\echo '== 2a. a dossier by code (dossier view and public tracking), as sent (dossiers/repository.py)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT dossiers.id, dossiers.code, dossiers.state, dossiers.receiving_agency_id,
       dossiers.received_at, dossiers.due_at, dossiers.version
FROM dossiers WHERE dossiers.code = 'G0000100050';

\echo '== 2b. a dossier by code, with the province its code names'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT dossiers.id, dossiers.code, dossiers.state, dossiers.receiving_agency_id,
       dossiers.received_at, dossiers.due_at, dossiers.version
FROM dossiers WHERE dossiers.code = 'G0000100050' AND dossiers.province_code = '01';

\echo '== 3a. the dossier history (tracking and dossier view), as sent'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT dossier_events.dossier_id, dossier_events.id, dossier_events.seq, dossier_events.at,
       dossier_events.kind, dossier_events.from_state, dossier_events.to_state
FROM dossier_events WHERE dossier_events.dossier_id IN (100050) ORDER BY dossier_events.seq;

\echo '== 3b. the dossier history with the province'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT dossier_events.dossier_id, dossier_events.id, dossier_events.seq, dossier_events.at,
       dossier_events.kind, dossier_events.from_state, dossier_events.to_state
FROM dossier_events WHERE dossier_events.dossier_id IN (100050)
    AND dossier_events.province_code = '01'
ORDER BY dossier_events.seq;

\echo '== 4a. one province monitoring day: its communes, as sent (monitoring/unit_queries.py)'
EXPLAIN (COSTS OFF)
SELECT agencies.id, agencies.kind, agencies.code, agencies.name, admin_units.code AS unit_code,
       admin_units.name AS unit_name, d1.agency_id AS reported, d1.cutoff_status, d1.on_time,
       d1.first_submitted_at, d1.n_green,
       CASE WHEN d1.agency_id IS NOT NULL THEN DATE '2025-12-31' ELSE
           (SELECT max(d2.day) FROM monitoring_unit_days AS d2
            WHERE d2.agency_id = agencies.id AND d2.day <= DATE '2025-12-31') END AS last_day
FROM agencies JOIN admin_units ON admin_units.code = agencies.unit_code
    LEFT OUTER JOIN monitoring_unit_days AS d1 ON d1.day = DATE '2025-12-31'
        AND d1.level = 'commune' AND d1.province_code = '01' AND d1.agency_id = agencies.id
WHERE admin_units.province_code = '01' AND admin_units.level = 'commune'
    AND agencies.level = 'commune'
    AND agencies.kind IN ('people_committee', 'party_committee', 'front_committee')
ORDER BY admin_units.code, agencies.kind != 'people_committee', agencies.code;

\echo '== 4b. the same without the correlated subquery: the last day per unit joined'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT agencies.id, agencies.code, d1.agency_id AS reported, d1.cutoff_status,
       coalesce(CASE WHEN d1.agency_id IS NOT NULL THEN DATE '2025-12-31' END, last.day) AS last_day
FROM agencies JOIN admin_units ON admin_units.code = agencies.unit_code
    LEFT OUTER JOIN monitoring_unit_days AS d1 ON d1.day = DATE '2025-12-31'
        AND d1.level = 'commune' AND d1.province_code = '01' AND d1.agency_id = agencies.id
    LEFT OUTER JOIN (SELECT agency_id, max(day) AS day FROM monitoring_unit_days
                     WHERE province_code = '01' AND day <= DATE '2025-12-31'
                     GROUP BY agency_id) AS last ON last.agency_id = agencies.id
WHERE admin_units.province_code = '01' AND admin_units.level = 'commune'
    AND agencies.level = 'commune'
ORDER BY admin_units.code, agencies.code;

\echo '== 5a. the national summary: one day by level (monitoring/totals.py, a coordinator table)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT level, sum(reported), sum(on_time), sum(green), sum(yellow), sum(red)
FROM monitoring_day_totals WHERE day = DATE '2025-12-31' AND bloc IN ('government')
GROUP BY level;

\echo '== 5b. the national grid: every province status of the day (monitoring_unit_days)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT province_code, cutoff_status FROM monitoring_unit_days
WHERE day = DATE '2025-12-31' AND level = 'province' AND bloc IN ('government');

\echo '== 5c. one day reports, national (the growth run read)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*), count(*) FILTER (WHERE late) FROM monitoring_reports
WHERE day = DATE '2025-12-31';

\echo '== 6. a catalog search (catalog/repository.py; reference tables)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT procedure_versions.id, procedure_versions.name, count(*) OVER () AS total, procedures.code
FROM procedure_versions JOIN procedures ON procedures.id = procedure_versions.procedure_id
WHERE procedure_versions.status = 'published' AND procedure_versions.effective_from <= DATE '2026-12-06'
    AND (procedure_versions.effective_to IS NULL OR procedure_versions.effective_to > DATE '2026-12-06')
    AND procedure_versions.search_vector @@ to_tsquery('simple', '(khai) & (sinh:*)')
ORDER BY procedures.synthetic,
    CASE WHEN procedure_versions.name_folded LIKE 'khai sinh%' THEN 0 ELSE 1 END,
    CASE WHEN procedure_versions.name_folded LIKE '%khai sinh%' THEN 0 ELSE 1 END,
    length(procedure_versions.name_folded), procedures.code
LIMIT 20;

\echo '== 7a. the statistics of one province by commune (stats/repository.py)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT commune_code, sum(received), sum(online), sum(on_time), sum(late), sum(pending)
FROM stats_daily
WHERE day >= DATE '2025-11-01' AND day <= DATE '2025-12-31' AND province_code = '01'
GROUP BY commune_code ORDER BY commune_code;

\echo '== 7b. the national statistics by province (stats_monthly)'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT province_code, sum(received), sum(online), sum(on_time), sum(late), sum(pending)
FROM stats_monthly
WHERE month >= DATE '2025-11-01' AND month <= DATE '2025-12-31'
GROUP BY province_code ORDER BY province_code;

\echo '== 8. a person access log (exchange/repository.py), distributed by the person'
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT seq, at, registry_code, outcome FROM exchange_access_log
WHERE subject_personal_id = '001080100050' ORDER BY seq DESC LIMIT 50;

\echo '== 9. writing a new dossier as the platform does today (no province in the row), rolled back'
BEGIN;
INSERT INTO dossiers (code, tracking_salt, secret_hash, procedure_version_id, procedure_code,
    procedure_name, receiving_agency_id, applicant_number, actor_number, on_behalf, channel,
    state, received_at, due_at, payment_state, idempotency_key, request_hash, version)
VALUES ('000.00.00070.P01-261206-0001', 's', 'h', 1, '1.000001', 'Hồ sơ thử', 120,
    '001080100050', '001080100050', false, 'online', 'received', now(), now() + interval '10 days',
    'not_required', 'probe-1', 'r', 1);
ROLLBACK;
