CREATE TEMPORARY TABLE jz_agg AS
SELECT
  h.id AS household_id,
  h.region_code AS region_code,
  a.normal_members,
  a.head_count,
  a.head_sex,
  a.head_birth_date,
  a.head_birth_ymd,
  a.m0,
  a.m1,
  a.m2,
  a.m3
FROM (
  SELECT
    p.household_id AS household_id,
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
          %(ref_date__int)s - p.birth_ymd
        ) / 10000
      ) BETWEEN %(education_age_min)s AND %(education_age_max)s
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
  WHERE
    p.household_id BETWEEN %(household_low)s AND %(household_high)s
  GROUP BY
    p.household_id
) AS a
JOIN registry_household AS h
  ON h.id = a.household_id
WHERE
  h.region_code BETWEEN %(region_low)s AND %(region_high)s
  AND h.id BETWEEN %(household_low)s AND %(household_high)s;

CREATE INDEX jz_agg_key ON jz_agg (household_id);

ANALYZE jz_agg (household_id, region_code);

CREATE TEMPORARY TABLE jz_ids AS
SELECT
  id_number,
  COUNT(*) AS n
FROM registry_person
WHERE
  status = '正常' AND id_number <> ''
GROUP BY
  id_number
HAVING
  COUNT(*) > 1;

CREATE INDEX jz_ids_key ON jz_ids (id_number);

ANALYZE jz_ids (id_number);

SELECT
  %(run_id)s AS run_id,
  CASE x.k
    WHEN 1
    THEN 'HOU-001'
    WHEN 2
    THEN 'HOU-002'
    WHEN 3
    THEN 'WAT-001'
    WHEN 4
    THEN 'WAT-002'
    WHEN 5
    THEN 'WAT-003'
    WHEN 6
    THEN 'WAT-004'
    WHEN 7
    THEN 'FOO-001'
    WHEN 8
    THEN 'FOO-002'
    WHEN 9
    THEN 'INC-001'
    WHEN 10
    THEN 'INC-002'
    WHEN 11
    THEN 'INC-003'
    WHEN 12
    THEN 'INC-004'
    WHEN 13
    THEN 'INC-005'
    WHEN 14
    THEN 'INC-006'
    WHEN 15
    THEN 'MON-001'
    WHEN 16
    THEN 'MON-002'
    WHEN 17
    THEN 'MON-003'
    WHEN 18
    THEN 'MON-004'
    WHEN 19
    THEN 'DQ-004'
    WHEN 20
    THEN 'DQ-005'
    WHEN 21
    THEN 'DQ-009'
    WHEN 22
    THEN 'DQ-011'
    WHEN 23
    THEN 'DQ-013'
  END AS rule_id,
  s.household_id,
  s.person_id,
  s.region_code,
  CASE x.k
    WHEN 1
    THEN CAST(JSON_BUILD_OBJECT('housing_grade', s.v9, 'safe_housing_measure', s.v22) AS TEXT)
    WHEN 2
    THEN CAST(JSON_BUILD_OBJECT('household_type', s.v8, 'monitoring_category', s.v11, 'housing_grade', s.v9) AS TEXT)
    WHEN 3
    THEN CAST(JSON_BUILD_OBJECT('water_litres_per_day', s.v27, 'water_min_litres', %(water_min_litres)s) AS TEXT)
    WHEN 4
    THEN CAST(JSON_BUILD_OBJECT(
      'water_piped',
      s.v29,
      'water_fetch_minutes',
      s.v26,
      'water_max_fetch_minutes',
      %(water_max_fetch_minutes)s
    ) AS TEXT)
    WHEN 5
    THEN CAST(JSON_BUILD_OBJECT('water_quality_ok', s.v30) AS TEXT)
    WHEN 6
    THEN CAST(JSON_BUILD_OBJECT('water_outage_days', s.v28, 'water_max_outage_days', %(water_max_outage_days)s) AS TEXT)
    WHEN 7
    THEN CAST(JSON_BUILD_OBJECT('food_secure', s.v5) AS TEXT)
    WHEN 8
    THEN CAST(JSON_BUILD_OBJECT('clothing_secure', s.v4) AS TEXT)
    WHEN 9
    THEN CAST(JSON_BUILD_OBJECT(
      'household_type',
      s.v8,
      'monitoring_category',
      s.v11,
      'per_capita_income',
      s.v14,
      'poverty_line',
      %(poverty_line)s
    ) AS TEXT)
    WHEN 10
    THEN CAST(JSON_BUILD_OBJECT(
      'monitoring_category',
      s.v11,
      'per_capita_income',
      s.v14,
      'monitoring_line',
      %(monitoring_line)s
    ) AS TEXT)
    WHEN 11
    THEN CAST(JSON_BUILD_OBJECT(
      'risk_eliminated',
      s.v19,
      'per_capita_income',
      s.v14,
      'monitoring_line',
      %(monitoring_line)s
    ) AS TEXT)
    WHEN 12
    THEN CAST(JSON_BUILD_OBJECT('stated_per_capita', s.v23, 'per_capita_income', s.v14) AS TEXT)
    WHEN 13
    THEN CAST(JSON_BUILD_OBJECT(
      'wage',
      s.v25,
      'operating',
      s.v13,
      'property_income',
      s.v17,
      'transfer',
      s.v24,
      'production_costs',
      s.v16
    ) AS TEXT)
    WHEN 14
    THEN CAST(JSON_BUILD_OBJECT('household_type', s.v8, 'monitoring_category', s.v11, 'income_recorded', s.v10) AS TEXT)
    WHEN 15
    THEN CAST(JSON_BUILD_OBJECT('monitoring_category', s.v11, 'risk_types', s.v21) AS TEXT)
    WHEN 16
    THEN CAST(JSON_BUILD_OBJECT(
      'risk_eliminated',
      s.v19,
      'food_secure',
      s.v5,
      'clothing_secure',
      s.v4,
      'housing_grade',
      s.v9,
      'safe_housing_measure',
      s.v22,
      'water_litres_per_day',
      s.v27,
      'water_piped',
      s.v29,
      'water_fetch_minutes',
      s.v26,
      'water_quality_ok',
      s.v30,
      'water_outage_days',
      s.v28,
      'ANY_MEMBER(status = ''正常'' AND age BETWEEN education_age_min AND education_age_max AND school_status IN (''非在校生'', '''') AND NOT home_schooled IS TRUE AND NOT health_exempt IS TRUE)',
      s.v1,
      'ANY_MEMBER(status = ''正常'' AND NOT insured_resident_medical IS TRUE AND NOT insured_employee_medical IS TRUE)',
      s.v0,
      'water_min_litres',
      %(water_min_litres)s,
      'water_max_fetch_minutes',
      %(water_max_fetch_minutes)s,
      'water_max_outage_days',
      %(water_max_outage_days)s,
      'education_age_min',
      %(education_age_min)s,
      'education_age_max',
      %(education_age_max)s
    ) AS TEXT)
    WHEN 17
    THEN CAST(JSON_BUILD_OBJECT(
      'risk_eliminated',
      s.v19,
      'ANY_MEMBER(status = ''正常'' AND labour_capacity IN (''普通劳动力'', ''技能劳动力'', ''弱劳动力或半劳动力''))',
      s.v2
    ) AS TEXT)
    WHEN 18
    THEN CAST(JSON_BUILD_OBJECT('risk_eliminated', s.v19, 'risk_elimination_method', s.v20) AS TEXT)
    WHEN 19
    THEN CAST(JSON_BUILD_OBJECT('head_count', s.v6) AS TEXT)
    WHEN 20
    THEN CAST(JSON_BUILD_OBJECT('COUNT_MEMBERS(status = ''正常'' AND relation = ''配偶'')', s.v3) AS TEXT)
    WHEN 21
    THEN CAST(JSON_BUILD_OBJECT('region_level', s.v18) AS TEXT)
    WHEN 22
    THEN CAST(JSON_BUILD_OBJECT('phone', s.v15) AS TEXT)
    WHEN 23
    THEN CAST(JSON_BUILD_OBJECT('household_size', s.v7, 'normal_members', s.v12) AS TEXT)
  END AS values_json,
  CASE x.k
    WHEN 1
    THEN 'housing'
    WHEN 2
    THEN 'housing'
    WHEN 3
    THEN 'water'
    WHEN 4
    THEN 'water'
    WHEN 5
    THEN 'water'
    WHEN 6
    THEN 'water'
    WHEN 7
    THEN 'food'
    WHEN 8
    THEN 'clothing'
    WHEN 9
    THEN 'income'
    WHEN 10
    THEN 'income'
    WHEN 11
    THEN 'income'
    WHEN 12
    THEN 'income'
    WHEN 13
    THEN 'income'
    WHEN 14
    THEN 'income'
    WHEN 15
    THEN 'monitoring'
    WHEN 16
    THEN 'monitoring'
    WHEN 17
    THEN 'monitoring'
    WHEN 18
    THEN 'monitoring'
    WHEN 19
    THEN 'data'
    WHEN 20
    THEN 'data'
    WHEN 21
    THEN 'data'
    WHEN 22
    THEN 'data'
    WHEN 23
    THEN 'data'
  END AS item
FROM (
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
    CASE WHEN h.water_litres_per_day < %(water_min_litres)s THEN 1 ELSE 0 END AS f2,
    CASE
      WHEN h.water_piped = FALSE AND h.water_fetch_minutes > %(water_max_fetch_minutes)s
      THEN 1
      ELSE 0
    END AS f3,
    CASE WHEN h.water_quality_ok = FALSE THEN 1 ELSE 0 END AS f4,
    CASE WHEN h.water_outage_days > %(water_max_outage_days)s THEN 1 ELSE 0 END AS f5,
    CASE WHEN h.food_secure = FALSE THEN 1 ELSE 0 END AS f6,
    CASE WHEN h.clothing_secure = FALSE THEN 1 ELSE 0 END AS f7,
    CASE
      WHEN h.household_type = '脱贫户'
      AND h.monitoring_category = ''
      AND i.per_capita_net_income < %(poverty_line)s
      THEN 1
      ELSE 0
    END AS f8,
    CASE
      WHEN h.monitoring_category = '' AND i.per_capita_net_income < %(monitoring_line)s
      THEN 1
      ELSE 0
    END AS f9,
    CASE
      WHEN h.risk_eliminated IS TRUE AND i.per_capita_net_income < %(monitoring_line)s
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
        OR h.water_litres_per_day < %(water_min_litres)s
        OR (
          h.water_piped = FALSE AND h.water_fetch_minutes > %(water_max_fetch_minutes)s
        )
        OR h.water_quality_ok = FALSE
        OR h.water_outage_days > %(water_max_outage_days)s
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
      WHEN h.phone <> '' AND (
        LENGTH(h.phone) <> 11 OR NOT h.phone ~ '^[0-9]*$'
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
    ON i.household_id = h.id AND i.year = %(year)s
  LEFT JOIN jz_agg AS agg
    ON agg.household_id = h.id
  WHERE
    (
      h.region_code BETWEEN %(region_low)s AND %(region_high)s
      AND h.id BETWEEN %(household_low)s AND %(household_high)s
    )
    AND (
      (
        h.risk_eliminated IS TRUE
        AND (
          (
            i.per_capita_net_income < %(monitoring_line)s
          )
          OR (
            h.food_secure = FALSE
            OR h.clothing_secure = FALSE
            OR (
              h.housing_grade IN ('C', 'D') AND h.safe_housing_measure IN ('无', '')
            )
            OR h.water_litres_per_day < %(water_min_litres)s
            OR (
              h.water_piped = FALSE AND h.water_fetch_minutes > %(water_max_fetch_minutes)s
            )
            OR h.water_quality_ok = FALSE
            OR h.water_outage_days > %(water_max_outage_days)s
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
        h.water_litres_per_day < %(water_min_litres)s
      )
      OR (
        h.water_piped = FALSE AND h.water_fetch_minutes > %(water_max_fetch_minutes)s
      )
      OR (
        h.water_quality_ok = FALSE
      )
      OR (
        h.water_outage_days > %(water_max_outage_days)s
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
        AND i.per_capita_net_income < %(poverty_line)s
      )
      OR (
        h.monitoring_category = '' AND i.per_capita_net_income < %(monitoring_line)s
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
        h.phone <> '' AND (
          LENGTH(h.phone) <> 11 OR NOT h.phone ~ '^[0-9]*$'
        )
      )
      OR (
        h.household_size > agg.normal_members
      )
    )
) AS s
CROSS JOIN LATERAL UNNEST(ARRAY_POSITIONS(
  ARRAY[
    s.f0,
    s.f1,
    s.f2,
    s.f3,
    s.f4,
    s.f5,
    s.f6,
    s.f7,
    s.f8,
    s.f9,
    s.f10,
    s.f11,
    s.f12,
    s.f13,
    s.f14,
    s.f15,
    s.f16,
    s.f17,
    s.f18,
    s.f19,
    s.f20,
    s.f21,
    s.f22
  ],
  1
)) AS x(k);

SELECT
  %(run_id)s AS run_id,
  CASE x.k
    WHEN 1
    THEN 'EDU-001'
    WHEN 2
    THEN 'EDU-002'
    WHEN 3
    THEN 'MED-001'
    WHEN 4
    THEN 'MED-002'
    WHEN 5
    THEN 'MED-003'
    WHEN 6
    THEN 'DQ-001'
    WHEN 7
    THEN 'DQ-002'
    WHEN 8
    THEN 'DQ-003'
    WHEN 9
    THEN 'DQ-006'
    WHEN 10
    THEN 'DQ-007'
    WHEN 11
    THEN 'DQ-008'
    WHEN 12
    THEN 'DQ-010'
    WHEN 13
    THEN 'DQ-012'
  END AS rule_id,
  s.household_id,
  s.person_id,
  s.region_code,
  CASE x.k
    WHEN 1
    THEN CAST(JSON_BUILD_OBJECT(
      'status',
      s.v23,
      'age',
      s.v0,
      'school_status',
      s.v21,
      'home_schooled',
      s.v8,
      'health_exempt',
      s.v7,
      'education_age_min',
      %(education_age_min)s,
      'education_age_max',
      %(education_age_max)s
    ) AS TEXT)
    WHEN 2
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'dropout_reason', s.v2, 'school_status', s.v21) AS TEXT)
    WHEN 3
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'insured_resident_medical', s.v16, 'insured_employee_medical', s.v15) AS TEXT)
    WHEN 4
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'insured_resident_medical', s.v16, 'insured_employee_medical', s.v15) AS TEXT)
    WHEN 5
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'insured_resident_medical', s.v16, 'insured_serious_illness', s.v17) AS TEXT)
    WHEN 6
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'id_type', s.v13, 'id_valid', s.v14) AS TEXT)
    WHEN 7
    THEN CAST(JSON_BUILD_OBJECT(
      'status',
      s.v23,
      'id_type',
      s.v13,
      'id_birth_date',
      s.v9,
      'sex',
      s.v22,
      'id_sex',
      s.v12,
      'birth_date',
      s.v1
    ) AS TEXT)
    WHEN 8
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'id_number', s.v10, 'id_number_count', s.v11) AS TEXT)
    WHEN 9
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'relation', s.v20, 'head_count', s.v5, 'sex', s.v22, 'head_sex', s.v6) AS TEXT)
    WHEN 10
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'relation', s.v20, 'age', s.v0) AS TEXT)
    WHEN 11
    THEN CAST(JSON_BUILD_OBJECT(
      'status',
      s.v23,
      'relation',
      s.v20,
      'head_count',
      s.v5,
      'head_birth_date',
      s.v4,
      'birth_date',
      s.v1
    ) AS TEXT)
    WHEN 12
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'school_status', s.v21, 'education_level', s.v3) AS TEXT)
    WHEN 13
    THEN CAST(JSON_BUILD_OBJECT('status', s.v23, 'migrant_months', s.v18, 'migrant_status', s.v19) AS TEXT)
  END AS values_json,
  CASE x.k
    WHEN 1
    THEN 'education'
    WHEN 2
    THEN 'education'
    WHEN 3
    THEN 'medical'
    WHEN 4
    THEN 'medical'
    WHEN 5
    THEN 'medical'
    WHEN 6
    THEN 'data'
    WHEN 7
    THEN 'data'
    WHEN 8
    THEN 'data'
    WHEN 9
    THEN 'data'
    WHEN 10
    THEN 'data'
    WHEN 11
    THEN 'data'
    WHEN 12
    THEN 'data'
    WHEN 13
    THEN 'data'
  END AS item
FROM (
  SELECT
    p.id AS person_id,
    p.household_id AS household_id,
    agg.region_code AS region_code,
    CASE
      WHEN p.status = '正常'
      AND (
        (
          %(ref_date__int)s - p.birth_ymd
        ) / 10000
      ) BETWEEN %(education_age_min)s AND %(education_age_max)s
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
          %(ref_date__int)s - p.birth_ymd
        ) / 10000
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
      ) / 10000 < 12
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
      %(ref_date__int)s - p.birth_ymd
    ) / 10000 AS v0,
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
    (
      agg.region_code BETWEEN %(region_low)s AND %(region_high)s
      AND p.household_id BETWEEN %(household_low)s AND %(household_high)s
    )
    AND (
      (
        p.status = '正常'
        AND (
          (
            (
              (
                %(ref_date__int)s - p.birth_ymd
              ) / 10000
            ) BETWEEN %(education_age_min)s AND %(education_age_max)s
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
            p.relation = '户主'
            AND (
              (
                %(ref_date__int)s - p.birth_ymd
              ) / 10000
            ) < 16
          )
          OR (
            p.relation IN ('之子', '之女')
            AND agg.head_count = 1
            AND (
              p.birth_ymd - agg.head_birth_ymd
            ) / 10000 < 12
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
) AS s
CROSS JOIN LATERAL UNNEST(ARRAY_POSITIONS(
  ARRAY[s.f0, s.f1, s.f2, s.f3, s.f4, s.f5, s.f6, s.f7, s.f8, s.f9, s.f10, s.f11, s.f12],
  1
)) AS x(k);

DROP TABLE jz_agg;

DROP TABLE jz_ids;
