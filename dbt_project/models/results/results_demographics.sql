-- Demographic and baseline characteristics (table 14-2.01) by arm and in total (arm NULL).
-- Continuous variables (age, weightbl, heightbl, bmibl): n, mean, SD, median, min and max of
-- the non-missing values. Categorical variables (agegr1, sex, racegr1, bmigr1): an 'n' row (subjects
-- with a value), one row per category seen in the study (ordered by the configured order column,
-- then the value) and a 'missing' row when any subject lacks a value; pct is of the column's N.
-- A variable nobody has a value for (not collected) has no rows. The groups themselves
-- (agegr1, racegr1, bmigr1) and the baseline body measurements are derived in dim_subject.

with

subjects as (

    {{ results_subjects() }}

),

arms as (

    {{ results_big_n() }}

),

columns_ as (

    select studyid, arm, armn, big_n from arms
    union all
    select studyid, cast(null as varchar) as arm, cast(max(armn) + 1 as integer) as armn, cast(sum(big_n) as integer)
    from arms
    group by studyid

),

demo as (

    select
        subjects.studyid,
        subjects.usubjid,
        subjects.arm,
        dim.age,
        dim.weightbl,
        dim.heightbl,
        dim.bmibl,
        dim.agegr1,
        dim.agegr1n,
        dim.sex,
        dim.racegr1,
        dim.racegr1n,
        dim.bmigr1,
        dim.bmigr1n
    from subjects
    inner join {{ ref('dim_subject') }} as dim
        on  dim.studyid = subjects.studyid
        and dim.usubjid = subjects.usubjid

),

-- every subject once in its arm's column and once in the total column
placed as (

    select *, arm as column_arm from demo
    union all
    select *, cast(null as varchar) as column_arm from demo

),

variables as (

    select * from (values
        ('age', 1, 'continuous'),
        ('agegr1', 2, 'categorical'),
        ('sex', 3, 'categorical'),
        ('racegr1', 4, 'categorical'),
        ('weightbl', 5, 'continuous'),
        ('heightbl', 6, 'continuous'),
        ('bmibl', 7, 'continuous'),
        ('bmigr1', 8, 'categorical')
    ) as v (variable, var_order, kind)

),

continuous_values as (

    select studyid, column_arm, 'age' as variable, age as value from placed
    union all select studyid, column_arm, 'weightbl', weightbl from placed
    union all select studyid, column_arm, 'heightbl', heightbl from placed
    union all select studyid, column_arm, 'bmibl', bmibl from placed

),

categorical_values as (

    select studyid, column_arm, 'agegr1' as variable, agegr1 as category, agegr1n as category_order from placed
    union all select studyid, column_arm, 'sex', sex, null from placed
    union all select studyid, column_arm, 'racegr1', racegr1, racegr1n from placed
    union all select studyid, column_arm, 'bmigr1', bmigr1, bmigr1n from placed

),

collected as (

    select distinct studyid, variable from continuous_values where value is not null
    union
    select distinct studyid, variable from categorical_values where category is not null

),

continuous_stats as (

    select
        studyid,
        column_arm,
        variable,
        count(value) as n,
        avg(value) as mean,
        stddev_samp(value) as sd,
        median(value) as median,
        min(value) as min,
        max(value) as max
    from continuous_values
    group by studyid, column_arm, variable

),

statistics as (

    select * from (values ('n', 0), ('mean', 1), ('sd', 2), ('median', 3), ('min', 4), ('max', 5))
        as s (statistic, row_order)

),

continuous_rows as (

    select
        collected.studyid,
        collected.variable,
        statistics.statistic,
        cast(null as varchar) as category,
        statistics.row_order,
        columns_.arm,
        columns_.armn,
        columns_.big_n,
        case when statistics.statistic = 'n' then cast(coalesce(continuous_stats.n, 0) as integer) end as n,
        cast(null as double) as pct,
        case statistics.statistic
            when 'n' then cast(coalesce(continuous_stats.n, 0) as double)
            when 'mean' then continuous_stats.mean
            when 'sd' then continuous_stats.sd
            when 'median' then continuous_stats.median
            when 'min' then continuous_stats.min
            when 'max' then continuous_stats.max
        end as value
    from collected
    inner join variables
        on  variables.variable = collected.variable
        and variables.kind = 'continuous'
    inner join columns_ on columns_.studyid = collected.studyid
    cross join statistics
    left join continuous_stats
        on  continuous_stats.studyid = collected.studyid
        and continuous_stats.variable = collected.variable
        and continuous_stats.column_arm is not distinct from columns_.arm

),

categories as (

    select
        studyid,
        variable,
        category,
        cast(dense_rank() over (
            partition by studyid, variable order by min(category_order) nulls last, category
        ) as integer) as row_order
    from categorical_values
    where category is not null
    group by studyid, variable, category

),

category_rows as (

    select studyid, variable, 'n' as statistic, cast(null as varchar) as category, 0 as row_order
    from collected
    where variable in (select variable from variables where kind = 'categorical')
    union all
    select studyid, variable, 'category', category, row_order from categories
    union all
    select studyid, variable, 'missing', cast(null as varchar), 1000
    from categorical_values
    where category is null
      and (studyid, variable) in (select studyid, variable from collected)
    group by studyid, variable

),

category_counts as (

    select
        studyid,
        column_arm,
        variable,
        category,
        cast(count(*) as integer) as n
    from categorical_values
    group by studyid, column_arm, variable, category

),

categorical_rows as (

    select
        category_rows.studyid,
        category_rows.variable,
        category_rows.statistic,
        category_rows.category,
        cast(category_rows.row_order as integer) as row_order,
        columns_.arm,
        columns_.armn,
        columns_.big_n,
        cast(case
            when category_rows.statistic = 'n' then coalesce((
                select sum(c.n) from category_counts as c
                where c.studyid = category_rows.studyid and c.variable = category_rows.variable
                  and c.column_arm is not distinct from columns_.arm and c.category is not null), 0)
            else coalesce(category_counts.n, 0)
        end as integer) as n
    from category_rows
    inner join columns_ on columns_.studyid = category_rows.studyid
    left join category_counts
        on  category_rows.statistic <> 'n'
        and category_counts.studyid = category_rows.studyid
        and category_counts.variable = category_rows.variable
        and category_counts.category is not distinct from category_rows.category
        and category_counts.column_arm is not distinct from columns_.arm

),

final as (

    select
        rows_.studyid,
        rows_.variable,
        cast(variables.var_order as integer) as var_order,
        variables.kind,
        rows_.statistic,
        rows_.category,
        rows_.row_order,
        rows_.arm,
        rows_.armn,
        rows_.big_n,
        rows_.n,
        rows_.pct,
        rows_.value
    from (
        select * from continuous_rows
        union all
        select
            studyid, variable, statistic, category, row_order, arm, armn, big_n, n,
            case when statistic = 'n' then null else cast(100.0 * n / nullif(big_n, 0) as double) end as pct,
            cast(null as double) as value
        from categorical_rows
    ) as rows_
    inner join variables on variables.variable = rows_.variable

)

select * from final
