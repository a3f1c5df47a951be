-- Adverse events of special interest, one row per event: aesifl 'Y' when the event matches any
-- category (int_ae__special_interest_matches, where the matching rule lives), and aesi_cat lists
-- every matching category.

with

ae as (

    select studyid, usubjid, aeseq from {{ ref('stg_ae') }}

),

categories as (

    select
        studyid,
        usubjid,
        aeseq,
        string_agg(distinct aesi_cat, '; ' order by aesi_cat) as aesi_cat
    from {{ ref('int_ae__special_interest_matches') }}
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
