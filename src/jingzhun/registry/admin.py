"""The Django admin for superusers: regions, parameters, and the registry for corrections."""

from django.contrib import admin

from jingzhun.registry.models import Household, IncomeRecord, Person, Region, StandardParameters


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ["name", "id_type", "id_number", "sex", "birth_date", "relation", "status"]
    show_change_link = True


class IncomeInline(admin.TabularInline):
    model = IncomeRecord
    extra = 0
    fields = [
        "year", "wage", "operating", "property_income", "transfer", "production_costs", "household_size",
        "stated_per_capita", "per_capita_net_income",
    ]  # fmt: skip
    readonly_fields = ["per_capita_net_income"]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["number", "village", "household_type", "monitoring_category"]
    list_filter = ["household_type", "monitoring_category"]
    search_fields = ["number"]
    raw_id_fields = ["village"]
    list_select_related = ["village"]
    inlines = [PersonInline, IncomeInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "id_number", "id_valid", "relation", "status", "household"]
    list_filter = ["status", "id_valid", "relation"]
    search_fields = ["name", "id_number"]
    raw_id_fields = ["household"]
    readonly_fields = ["id_valid", "id_error", "id_birth_date", "id_sex"]
    list_select_related = ["household"]


@admin.register(StandardParameters)
class StandardParametersAdmin(admin.ModelAdmin):
    list_display = [
        "__str__", "poverty_line", "monitoring_line", "water_min_litres", "water_max_fetch_minutes",
        "water_max_outage_days", "reference_date", "note",
    ]  # fmt: skip
    list_filter = ["province_code", "year"]
