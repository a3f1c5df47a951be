-- Incidence of each preferred term for the risk-difference table and the AE dot plot
-- (reports.t_ae_risk_diff): the PT rows of results_ae_soc_pt, and which terms are plotted. A term
-- is plotted when its incidence is at least reporting.ae_plot_min_pct in some arm, at most
-- reporting.ae_plot_max_terms terms, the highest peak incidence first (then PT, SOC). The risk
-- difference and its confidence interval are added by the report (statsmodels).

with

incidence as (

    select * from {{ ref('results_ae_soc_pt') }} where level = 'pt'

),

rules as (

    select studyid, ae_plot_min_pct, ae_plot_max_terms from {{ ref('stg_config__reporting') }}

),

terms as (

    select studyid, soc, pt, max(pct) as max_pct
    from incidence
    group by studyid, soc, pt

),

ranked as (

    select
        terms.*,
        rules.ae_plot_min_pct,
        rules.ae_plot_max_terms,
        case when terms.max_pct >= rules.ae_plot_min_pct then
            row_number() over (
                partition by terms.studyid, (terms.max_pct >= rules.ae_plot_min_pct)
                order by terms.max_pct desc, terms.pt, terms.soc
            )
        end as plot_rank
    from terms
    inner join rules on rules.studyid = terms.studyid

),

final as (

    select
        incidence.studyid,
        incidence.soc,
        incidence.pt,
        incidence.arm,
        incidence.armn,
        incidence.big_n,
        incidence.n_subjects,
        incidence.pct,
        incidence.ctrl_n_subjects,
        incidence.ctrl_big_n,
        incidence.compare_to_control,
        incidence.row_order,
        cast(ranked.max_pct as double) as max_pct,
        cast(ranked.plot_rank as integer) as plot_rank,
        coalesce(ranked.plot_rank <= ranked.ae_plot_max_terms, false) as plotted
    from incidence
    inner join ranked
        on  ranked.studyid = incidence.studyid
        and ranked.soc = incidence.soc
        and ranked.pt = incidence.pt

)

select * from final
