WITH jz_agg AS MATERIALIZED (
  SELECT
    p.household_id AS household_id,
    ANY_VALUE(h.region_code) AS region_code,
    COUNT(*) FILTER(WHERE
      p.status = '正常') AS normal_members,
    COUNT(*) FILTER(WHERE
      p.status = '正常' AND p.relation = '户主') AS head_count,
    MIN(p.sex) FILTER(WHERE
      p.status = '正常' AND p.relation = '户主') AS head_sex,
    MIN(COALESCE(p.birth_date, p.id_birth_date)) FILTER(WHERE
      p.status = '正常' AND p.relation = '户主') AS head_birth_date,
    MIN(p.birth_ymd) FILTER(WHERE
      p.status = '正常' AND p.relation = '户主') AS head_birth_ymd,
    COUNT(*) FILTER(WHERE
      p.status = '正常'
      AND (
        (
          $ref_date__int - p.birth_ymd
        ) // 10000
      ) BETWEEN $education_age_min AND $education_age_max
      AND p.school_status IN ('非在校生', '')
      AND NOT p.home_schooled IS TRUE
      AND NOT p.health_exempt IS TRUE) AS m0,
    COUNT(*) FILTER(WHERE
      p.status = '正常'
      AND NOT p.insured_resident_medical IS TRUE
      AND NOT p.insured_employee_medical IS TRUE) AS m1,
    COUNT(*) FILTER(WHERE
      p.status = '正常' AND p.labour_capacity IN ('普通劳动力', '技能劳动力', '弱劳动力或半劳动力')) AS m2,
    COUNT(*) FILTER(WHERE
      p.status = '正常' AND p.relation = '配偶') AS m3
  FROM registry_person AS p
  JOIN registry_household AS h
    ON h.id = p.household_id
  WHERE
    h.region_code BETWEEN $region_low AND $region_high
  GROUP BY
    p.household_id
), jz_ids AS MATERIALIZED (
  SELECT
    id_number,
    COUNT(*) AS n
  FROM registry_person
  WHERE
    status = '正常' AND id_number <> ''
  GROUP BY
    id_number
  HAVING
    COUNT(*) > 1
), jz_flags_household AS MATERIALIZED (
  SELECT
    CAST(NULL AS BIGINT) AS person_id,
    h.id AS household_id,
    h.region_code AS region_code,
    CASE
      WHEN h.housing_grade IN ('C', 'D') AND h.safe_housing_measure IN ('无', '')
      THEN 1
      ELSE 0
    END AS f0,
    CASE
      WHEN (
        h.household_type = '脱贫户' OR h.monitoring_category <> ''
      )
      AND h.housing_grade IN ('未鉴定', '')
      THEN 1
      ELSE 0
    END AS f1,
    CASE WHEN h.water_litres_per_day < $water_min_litres THEN 1 ELSE 0 END AS f2,
    CASE
      WHEN h.water_piped = FALSE AND h.water_fetch_minutes > $water_max_fetch_minutes
      THEN 1
      ELSE 0
    END AS f3,
    CASE WHEN h.water_quality_ok = FALSE THEN 1 ELSE 0 END AS f4,
    CASE WHEN h.water_outage_days > $water_max_outage_days THEN 1 ELSE 0 END AS f5,
    CASE WHEN h.food_secure = FALSE THEN 1 ELSE 0 END AS f6,
    CASE WHEN h.clothing_secure = FALSE THEN 1 ELSE 0 END AS f7,
    CASE
      WHEN h.household_type = '脱贫户'
      AND h.monitoring_category = ''
      AND i.per_capita_net_income < $poverty_line
      THEN 1
      ELSE 0
    END AS f8,
    CASE
      WHEN h.monitoring_category = '' AND i.per_capita_net_income < $monitoring_line
      THEN 1
      ELSE 0
    END AS f9,
    CASE
      WHEN h.risk_eliminated IS TRUE AND i.per_capita_net_income < $monitoring_line
      THEN 1
      ELSE 0
    END AS f10,
    CASE
      WHEN i.stated_per_capita IS NOT NULL
      AND ABS(i.stated_per_capita - i.per_capita_net_income) > 1
      THEN 1
      ELSE 0
    END AS f11,
    CASE
      WHEN i.wage < 0
      OR i.operating < 0
      OR i.property_income < 0
      OR i.transfer < 0
      OR i.production_costs < 0
      THEN 1
      ELSE 0
    END AS f12,
    CASE
      WHEN (
        h.household_type = '脱贫户' OR h.monitoring_category <> ''
      )
      AND NOT (
        i.id IS NOT NULL
      )
      THEN 1
      ELSE 0
    END AS f13,
    CASE WHEN h.monitoring_category <> '' AND h.risk_types = '' THEN 1 ELSE 0 END AS f14,
    CASE
      WHEN h.risk_eliminated IS TRUE
      AND (
        h.food_secure = FALSE
        OR h.clothing_secure = FALSE
        OR (
          h.housing_grade IN ('C', 'D') AND h.safe_housing_measure IN ('无', '')
        )
        OR h.water_litres_per_day < $water_min_litres
        OR (
          h.water_piped = FALSE AND h.water_fetch_minutes > $water_max_fetch_minutes
        )
        OR h.water_quality_ok = FALSE
        OR h.water_outage_days > $water_max_outage_days
        OR COALESCE(agg.m0, 0) > 0
        OR COALESCE(agg.m1, 0) > 0
      )
      THEN 1
      ELSE 0
    END AS f15,
    CASE
      WHEN h.risk_eliminated IS TRUE AND NOT COALESCE(agg.m2, 0) > 0
      THEN 1
      ELSE 0
    END AS f16,
    CASE
      WHEN h.risk_eliminated IS TRUE AND h.risk_elimination_method = ''
      THEN 1
      ELSE 0
    END AS f17,
    CASE WHEN agg.head_count <> 1 THEN 1 ELSE 0 END AS f18,
    CASE WHEN COALESCE(agg.m3, 0) > 1 THEN 1 ELSE 0 END AS f19,
    CASE WHEN r.level IS NULL OR r.level <> 'village' THEN 1 ELSE 0 END AS f20,
    CASE
      WHEN h.phone <> ''
      AND (
        LENGTH(h.phone) <> 11 OR NOT REGEXP_MATCHES(h.phone, '^[0-9]*$')
      )
      THEN 1
      ELSE 0
    END AS f21,
    CASE WHEN h.household_size > agg.normal_members THEN 1 ELSE 0 END AS f22,
    COALESCE(agg.m1, 0) > 0 AS v0,
    COALESCE(agg.m0, 0) > 0 AS v1,
    COALESCE(agg.m2, 0) > 0 AS v2,
    COALESCE(agg.m3, 0) AS v3,
    h.clothing_secure AS v4,
    h.food_secure AS v5,
    agg.head_count AS v6,
    h.household_size AS v7,
    h.household_type AS v8,
    h.housing_grade AS v9,
    i.id IS NOT NULL AS v10,
    h.monitoring_category AS v11,
    agg.normal_members AS v12,
    i.operating AS v13,
    i.per_capita_net_income AS v14,
    h.phone AS v15,
    i.production_costs AS v16,
    i.property_income AS v17,
    r.level AS v18,
    h.risk_eliminated AS v19,
    h.risk_elimination_method AS v20,
    h.risk_types AS v21,
    h.safe_housing_measure AS v22,
    i.stated_per_capita AS v23,
    i.transfer AS v24,
    i.wage AS v25,
    h.water_fetch_minutes AS v26,
    h.water_litres_per_day AS v27,
    h.water_outage_days AS v28,
    h.water_piped AS v29,
    h.water_quality_ok AS v30
  FROM registry_household AS h
  LEFT JOIN registry_region AS r
    ON r.code = h.region_code
  LEFT JOIN registry_incomerecord AS i
    ON i.household_id = h.id AND i.year = $year
  LEFT JOIN jz_agg AS agg
    ON agg.household_id = h.id
  WHERE
    h.region_code BETWEEN $region_low AND $region_high
    AND (
      (
        h.risk_eliminated IS TRUE
        AND (
          (
            i.per_capita_net_income < $monitoring_line
          )
          OR (
            h.food_secure = FALSE
            OR h.clothing_secure = FALSE
            OR (
              h.housing_grade IN ('C', 'D') AND h.safe_housing_measure IN ('无', '')
            )
            OR h.water_litres_per_day < $water_min_litres
            OR (
              h.water_piped = FALSE AND h.water_fetch_minutes > $water_max_fetch_minutes
            )
            OR h.water_quality_ok = FALSE
            OR h.water_outage_days > $water_max_outage_days
            OR COALESCE(agg.m0, 0) > 0
            OR COALESCE(agg.m1, 0) > 0
          )
          OR (
            NOT COALESCE(agg.m2, 0) > 0
          )
          OR (
            h.risk_elimination_method = ''
          )
        )
      )
      OR (
        h.housing_grade IN ('C', 'D') AND h.safe_housing_measure IN ('无', '')
      )
      OR (
        (
          h.household_type = '脱贫户' OR h.monitoring_category <> ''
        )
        AND h.housing_grade IN ('未鉴定', '')
      )
      OR (
        h.water_litres_per_day < $water_min_litres
      )
      OR (
        h.water_piped = FALSE AND h.water_fetch_minutes > $water_max_fetch_minutes
      )
      OR (
        h.water_quality_ok = FALSE
      )
      OR (
        h.water_outage_days > $water_max_outage_days
      )
      OR (
        h.food_secure = FALSE
      )
      OR (
        h.clothing_secure = FALSE
      )
      OR (
        h.household_type = '脱贫户'
        AND h.monitoring_category = ''
        AND i.per_capita_net_income < $poverty_line
      )
      OR (
        h.monitoring_category = '' AND i.per_capita_net_income < $monitoring_line
      )
      OR (
        i.stated_per_capita IS NOT NULL
        AND ABS(i.stated_per_capita - i.per_capita_net_income) > 1
      )
      OR (
        i.wage < 0
        OR i.operating < 0
        OR i.property_income < 0
        OR i.transfer < 0
        OR i.production_costs < 0
      )
      OR (
        (
          h.household_type = '脱贫户' OR h.monitoring_category <> ''
        )
        AND NOT (
          i.id IS NOT NULL
        )
      )
      OR (
        h.monitoring_category <> '' AND h.risk_types = ''
      )
      OR (
        agg.head_count <> 1
      )
      OR (
        COALESCE(agg.m3, 0) > 1
      )
      OR (
        r.level IS NULL OR r.level <> 'village'
      )
      OR (
        h.phone <> ''
        AND (
          LENGTH(h.phone) <> 11 OR NOT REGEXP_MATCHES(h.phone, '^[0-9]*$')
        )
      )
      OR (
        h.household_size > agg.normal_members
      )
    )
), jz_flags_person AS MATERIALIZED (
  SELECT
    p.id AS person_id,
    p.household_id AS household_id,
    agg.region_code AS region_code,
    CASE
      WHEN p.status = '正常'
      AND (
        (
          $ref_date__int - p.birth_ymd
        ) // 10000
      ) BETWEEN $education_age_min AND $education_age_max
      AND p.school_status IN ('非在校生', '')
      AND NOT p.home_schooled IS TRUE
      AND NOT p.health_exempt IS TRUE
      THEN 1
      ELSE 0
    END AS f0,
    CASE
      WHEN p.status = '正常'
      AND p.dropout_reason <> ''
      AND NOT p.school_status IN ('非在校生', '学龄前儿童', '')
      THEN 1
      ELSE 0
    END AS f1,
    CASE
      WHEN p.status = '正常'
      AND NOT p.insured_resident_medical IS TRUE
      AND NOT p.insured_employee_medical IS TRUE
      THEN 1
      ELSE 0
    END AS f2,
    CASE
      WHEN p.status = '正常'
      AND p.insured_resident_medical IS TRUE
      AND p.insured_employee_medical IS TRUE
      THEN 1
      ELSE 0
    END AS f3,
    CASE
      WHEN p.status = '正常'
      AND p.insured_resident_medical IS TRUE
      AND NOT p.insured_serious_illness IS TRUE
      THEN 1
      ELSE 0
    END AS f4,
    CASE
      WHEN p.status = '正常' AND p.id_type = '居民身份证' AND NOT p.id_valid
      THEN 1
      ELSE 0
    END AS f5,
    CASE
      WHEN p.status = '正常'
      AND p.id_type = '居民身份证'
      AND p.id_birth_date IS NOT NULL
      AND (
        p.sex <> p.id_sex
        OR (
          COALESCE(p.birth_date, p.id_birth_date)
        ) <> p.id_birth_date
      )
      THEN 1
      ELSE 0
    END AS f6,
    CASE
      WHEN p.status = '正常' AND p.id_number <> '' AND (
        COALESCE(ids.n, 1)
      ) > 1
      THEN 1
      ELSE 0
    END AS f7,
    CASE
      WHEN p.status = '正常'
      AND p.relation = '配偶'
      AND agg.head_count = 1
      AND p.sex = agg.head_sex
      THEN 1
      ELSE 0
    END AS f8,
    CASE
      WHEN p.status = '正常'
      AND p.relation = '户主'
      AND (
        (
          $ref_date__int - p.birth_ymd
        ) // 10000
      ) < 16
      THEN 1
      ELSE 0
    END AS f9,
    CASE
      WHEN p.status = '正常'
      AND p.relation IN ('之子', '之女')
      AND agg.head_count = 1
      AND (
        p.birth_ymd - agg.head_birth_ymd
      ) // 10000 < 12
      THEN 1
      ELSE 0
    END AS f10,
    CASE
      WHEN p.status = '正常'
      AND NOT p.school_status IN ('非在校生', '学龄前儿童', '')
      AND p.education_level <> ''
      THEN 1
      ELSE 0
    END AS f11,
    CASE
      WHEN p.status = '正常'
      AND (
        (
          p.migrant_months > 0 AND p.migrant_status IN ('未务工', '')
        )
        OR (
          NOT p.migrant_status IN ('未务工', '') AND COALESCE(p.migrant_months, 0) = 0
        )
      )
      THEN 1
      ELSE 0
    END AS f12,
    (
      $ref_date__int - p.birth_ymd
    ) // 10000 AS v0,
    COALESCE(p.birth_date, p.id_birth_date) AS v1,
    p.dropout_reason AS v2,
    p.education_level AS v3,
    agg.head_birth_date AS v4,
    agg.head_count AS v5,
    agg.head_sex AS v6,
    p.health_exempt AS v7,
    p.home_schooled AS v8,
    p.id_birth_date AS v9,
    p.id_number AS v10,
    COALESCE(ids.n, 1) AS v11,
    p.id_sex AS v12,
    p.id_type AS v13,
    p.id_valid AS v14,
    p.insured_employee_medical AS v15,
    p.insured_resident_medical AS v16,
    p.insured_serious_illness AS v17,
    p.migrant_months AS v18,
    p.migrant_status AS v19,
    p.relation AS v20,
    p.school_status AS v21,
    p.sex AS v22,
    p.status AS v23
  FROM registry_person AS p
  JOIN jz_agg AS agg
    ON agg.household_id = p.household_id
  LEFT JOIN jz_ids AS ids
    ON ids.id_number = p.id_number
  WHERE
    agg.region_code BETWEEN $region_low AND $region_high
    AND (
      (
        p.status = '正常'
        AND (
          (
            (
              (
                $ref_date__int - p.birth_ymd
              ) // 10000
            ) BETWEEN $education_age_min AND $education_age_max
            AND p.school_status IN ('非在校生', '')
            AND NOT p.home_schooled IS TRUE
            AND NOT p.health_exempt IS TRUE
          )
          OR (
            p.dropout_reason <> '' AND NOT p.school_status IN ('非在校生', '学龄前儿童', '')
          )
          OR (
            NOT p.insured_resident_medical IS TRUE AND NOT p.insured_employee_medical IS TRUE
          )
          OR (
            p.insured_resident_medical IS TRUE AND p.insured_employee_medical IS TRUE
          )
          OR (
            p.insured_resident_medical IS TRUE AND NOT p.insured_serious_illness IS TRUE
          )
          OR (
            p.id_type = '居民身份证' AND NOT p.id_valid
          )
          OR (
            p.id_type = '居民身份证'
            AND p.id_birth_date IS NOT NULL
            AND (
              p.sex <> p.id_sex
              OR (
                COALESCE(p.birth_date, p.id_birth_date)
              ) <> p.id_birth_date
            )
          )
          OR (
            p.id_number <> '' AND (
              COALESCE(ids.n, 1)
            ) > 1
          )
          OR (
            p.relation = '配偶' AND agg.head_count = 1 AND p.sex = agg.head_sex
          )
          OR (
            p.relation = '户主' AND (
              (
                $ref_date__int - p.birth_ymd
              ) // 10000
            ) < 16
          )
          OR (
            p.relation IN ('之子', '之女')
            AND agg.head_count = 1
            AND (
              p.birth_ymd - agg.head_birth_ymd
            ) // 10000 < 12
          )
          OR (
            NOT p.school_status IN ('非在校生', '学龄前儿童', '') AND p.education_level <> ''
          )
          OR (
            (
              p.migrant_months > 0 AND p.migrant_status IN ('未务工', '')
            )
            OR (
              NOT p.migrant_status IN ('未务工', '') AND COALESCE(p.migrant_months, 0) = 0
            )
          )
        )
      )
    )
)
SELECT
  $run_id AS run_id,
  'HOU-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('housing_grade', v9, 'safe_housing_measure', v22) AS values_json,
  'housing' AS item
FROM jz_flags_household
WHERE
  f0 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'HOU-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('household_type', v8, 'monitoring_category', v11, 'housing_grade', v9) AS values_json,
  'housing' AS item
FROM jz_flags_household
WHERE
  f1 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'WAT-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('water_litres_per_day', v27, 'water_min_litres', $water_min_litres) AS values_json,
  'water' AS item
FROM jz_flags_household
WHERE
  f2 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'WAT-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT(
    'water_piped',
    v29,
    'water_fetch_minutes',
    v26,
    'water_max_fetch_minutes',
    $water_max_fetch_minutes
  ) AS values_json,
  'water' AS item
FROM jz_flags_household
WHERE
  f3 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'WAT-003' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('water_quality_ok', v30) AS values_json,
  'water' AS item
FROM jz_flags_household
WHERE
  f4 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'WAT-004' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('water_outage_days', v28, 'water_max_outage_days', $water_max_outage_days) AS values_json,
  'water' AS item
FROM jz_flags_household
WHERE
  f5 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'FOO-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('food_secure', v5) AS values_json,
  'food' AS item
FROM jz_flags_household
WHERE
  f6 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'FOO-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('clothing_secure', v4) AS values_json,
  'clothing' AS item
FROM jz_flags_household
WHERE
  f7 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'INC-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT(
    'household_type',
    v8,
    'monitoring_category',
    v11,
    'per_capita_income',
    v14,
    'poverty_line',
    $poverty_line
  ) AS values_json,
  'income' AS item
FROM jz_flags_household
WHERE
  f8 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'INC-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('monitoring_category', v11, 'per_capita_income', v14, 'monitoring_line', $monitoring_line) AS values_json,
  'income' AS item
FROM jz_flags_household
WHERE
  f9 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'INC-003' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('risk_eliminated', v19, 'per_capita_income', v14, 'monitoring_line', $monitoring_line) AS values_json,
  'income' AS item
FROM jz_flags_household
WHERE
  f10 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'INC-004' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('stated_per_capita', v23, 'per_capita_income', v14) AS values_json,
  'income' AS item
FROM jz_flags_household
WHERE
  f11 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'INC-005' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('wage', v25, 'operating', v13, 'property_income', v17, 'transfer', v24, 'production_costs', v16) AS values_json,
  'income' AS item
FROM jz_flags_household
WHERE
  f12 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'INC-006' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('household_type', v8, 'monitoring_category', v11, 'income_recorded', v10) AS values_json,
  'income' AS item
FROM jz_flags_household
WHERE
  f13 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MON-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('monitoring_category', v11, 'risk_types', v21) AS values_json,
  'monitoring' AS item
FROM jz_flags_household
WHERE
  f14 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MON-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT(
    'risk_eliminated',
    v19,
    'food_secure',
    v5,
    'clothing_secure',
    v4,
    'housing_grade',
    v9,
    'safe_housing_measure',
    v22,
    'water_litres_per_day',
    v27,
    'water_piped',
    v29,
    'water_fetch_minutes',
    v26,
    'water_quality_ok',
    v30,
    'water_outage_days',
    v28,
    'ANY_MEMBER(status = ''正常'' AND age BETWEEN education_age_min AND education_age_max AND school_status IN (''非在校生'', '''') AND NOT home_schooled IS TRUE AND NOT health_exempt IS TRUE)',
    v1,
    'ANY_MEMBER(status = ''正常'' AND NOT insured_resident_medical IS TRUE AND NOT insured_employee_medical IS TRUE)',
    v0,
    'water_min_litres',
    $water_min_litres,
    'water_max_fetch_minutes',
    $water_max_fetch_minutes,
    'water_max_outage_days',
    $water_max_outage_days,
    'education_age_min',
    $education_age_min,
    'education_age_max',
    $education_age_max
  ) AS values_json,
  'monitoring' AS item
FROM jz_flags_household
WHERE
  f15 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MON-003' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT(
    'risk_eliminated',
    v19,
    'ANY_MEMBER(status = ''正常'' AND labour_capacity IN (''普通劳动力'', ''技能劳动力'', ''弱劳动力或半劳动力''))',
    v2
  ) AS values_json,
  'monitoring' AS item
FROM jz_flags_household
WHERE
  f16 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MON-004' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('risk_eliminated', v19, 'risk_elimination_method', v20) AS values_json,
  'monitoring' AS item
FROM jz_flags_household
WHERE
  f17 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-004' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('head_count', v6) AS values_json,
  'data' AS item
FROM jz_flags_household
WHERE
  f18 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-005' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('COUNT_MEMBERS(status = ''正常'' AND relation = ''配偶'')', v3) AS values_json,
  'data' AS item
FROM jz_flags_household
WHERE
  f19 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-009' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('region_level', v18) AS values_json,
  'data' AS item
FROM jz_flags_household
WHERE
  f20 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-011' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('phone', v15) AS values_json,
  'data' AS item
FROM jz_flags_household
WHERE
  f21 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-013' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('household_size', v7, 'normal_members', v12) AS values_json,
  'data' AS item
FROM jz_flags_household
WHERE
  f22 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'EDU-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT(
    'status',
    v23,
    'age',
    v0,
    'school_status',
    v21,
    'home_schooled',
    v8,
    'health_exempt',
    v7,
    'education_age_min',
    $education_age_min,
    'education_age_max',
    $education_age_max
  ) AS values_json,
  'education' AS item
FROM jz_flags_person
WHERE
  f0 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'EDU-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'dropout_reason', v2, 'school_status', v21) AS values_json,
  'education' AS item
FROM jz_flags_person
WHERE
  f1 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MED-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'insured_resident_medical', v16, 'insured_employee_medical', v15) AS values_json,
  'medical' AS item
FROM jz_flags_person
WHERE
  f2 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MED-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'insured_resident_medical', v16, 'insured_employee_medical', v15) AS values_json,
  'medical' AS item
FROM jz_flags_person
WHERE
  f3 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'MED-003' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'insured_resident_medical', v16, 'insured_serious_illness', v17) AS values_json,
  'medical' AS item
FROM jz_flags_person
WHERE
  f4 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-001' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'id_type', v13, 'id_valid', v14) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f5 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-002' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'id_type', v13, 'id_birth_date', v9, 'sex', v22, 'id_sex', v12, 'birth_date', v1) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f6 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-003' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'id_number', v10, 'id_number_count', v11) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f7 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-006' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'relation', v20, 'head_count', v5, 'sex', v22, 'head_sex', v6) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f8 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-007' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'relation', v20, 'age', v0) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f9 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-008' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'relation', v20, 'head_count', v5, 'head_birth_date', v4, 'birth_date', v1) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f10 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-010' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'school_status', v21, 'education_level', v3) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f11 = 1
UNION ALL
SELECT
  $run_id AS run_id,
  'DQ-012' AS rule_id,
  household_id,
  person_id,
  region_code,
  JSON_OBJECT('status', v23, 'migrant_months', v18, 'migrant_status', v19) AS values_json,
  'data' AS item
FROM jz_flags_person
WHERE
  f12 = 1;
