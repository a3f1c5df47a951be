-- Adverse events of special interest. An event is flagged when its preferred term equals a
-- configured term (match 'pt') or matches a configured pattern (match 'pattern', LIKE syntax,
-- case-insensitive), and, when the definition has window_days, its onset is at most that many
-- days after the most recent dose started. aesi_cat lists every matching category.

with

ae as (

    select studyid, usubjid, aeseq, aedecod from {{ ref('stg_ae') }}

),

dose as (

    select studyid, usubjid, aeseq, days_since_dose from {{ ref('int_ae__dose_at_onset') }}

),

definitions as (

    select studyid, aesi_cat, lower(match_type) as match_type, term, window_days
    from {{ ref('stg_config__aesi') }}

),

matches as (

    select
        ae.studyid,
        ae.usubjid,
        ae.aeseq,
        definitions.aesi_cat
    from ae
    inner join definitions
        on  definitions.studyid = ae.studyid
        and (
            (definitions.match_type = 'pt' and upper(ae.aedecod) = upper(definitions.term))
            or (definitions.match_type = 'pattern' and ae.aedecod ilike definitions.term)
        )
    left join dose
        on  dose.studyid = ae.studyid
        and dose.usubjid = ae.usubjid
        and dose.aeseq = ae.aeseq
    where definitions.window_days is null
       or dose.days_since_dose between 0 and definitions.window_days

),

categories as (

    select
        studyid,
        usubjid,
        aeseq,
        string_agg(distinct aesi_cat, '; ' order by aesi_cat) as aesi_cat
    from matches
    group by 1, 2, 3

),

final as (

    select
        ae.studyid,
        ae.usubjid,
        ae.aeseq,
        case when categories.aesi_cat is not null then 'Y' else 'N' end as aesifl,
        categories.aesi_cat
    from ae
    left join categories
        on  categories.studyid = ae.studyid
        and categories.usubjid = ae.usubjid
        and categories.aeseq = ae.aeseq

)

select * from final
